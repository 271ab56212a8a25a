/**
 * @module kubelet/pods/backoff
 *
 * The crash-loop backoff of upstream's kubelet, one entry per (pod, container): the first restart
 * after an exit is immediate and arms 10 s; each later exit must wait out the current delay,
 * which then doubles up to 5 minutes. A container that ran long enough without exiting (twice
 * the cap, 10 minutes) starts over at 10 s. Base and cap are options so tests can run it in
 * milliseconds.
 */

export interface CrashLoopBackoffOptions {
  /** First delay (upstream: 10 s). */
  readonly baseMs?: number;
  /** Largest delay (upstream: 5 min). */
  readonly capMs?: number;
  /** Quiet time after which the delay resets (upstream: twice the cap). */
  readonly resetMs?: number;
}

interface Entry {
  delayMs: number;
  /** When the delay was last armed. */
  armedAt: number;
}

export class CrashLoopBackoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: CrashLoopBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 10_000;
    this.capMs = options.capMs ?? 300_000;
    this.resetMs = options.resetMs ?? 2 * this.capMs;
  }

  /**
   * When a container that finished at `finishedAt` may start again (undefined: now), as upstream's
   * doBackOff: inside the current delay counted from the exit it must wait.
   */
  restartAt(key: string, finishedAt: number, now: number): number | undefined {
    const entry = this.entries.get(key);
    if (!entry || finishedAt - entry.armedAt > this.resetMs) return undefined;
    const at = finishedAt + entry.delayMs;
    return now < at ? at : undefined;
  }

  /** The delay currently armed for the key (for the CrashLoopBackOff message). */
  currentDelayMs(key: string): number {
    return this.entries.get(key)?.delayMs ?? this.baseMs;
  }

  /** Called when the container is (re)started after an exit: arms or doubles the delay. */
  next(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (!entry || now - entry.armedAt > this.resetMs) {
      this.entries.set(key, { delayMs: this.baseMs, armedAt: now });
      return;
    }
    entry.delayMs = Math.min(this.capMs, entry.delayMs * 2);
    entry.armedAt = now;
  }

  /** Forgets every entry whose key starts with the prefix (a pod is gone). */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

/** A duration as Go's time.Duration prints it: "10s", "1m20s", "5m0s", "200ms". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = +(totalSeconds % 60).toFixed(3);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
