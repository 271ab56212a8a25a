/**
 * @module client/backoff
 *
 * Exponential backoff with jitter, shared by request retries, watch resumption and the reflector:
 * `initialMs · factor^n`, capped at `maxMs`, then stretched by up to `jitter` (0.2 = +0–20 %) so
 * that many clients failing at once do not come back in lockstep.
 */

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per step; default 2. */
  readonly factor?: number;
  /** Extra random fraction added to each delay; default 0.2. */
  readonly jitter?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export class Backoff {
  private steps = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call grows the following one. */
  next(): number {
    const { initialMs, maxMs, factor = 2, jitter = 0.2, random = Math.random } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.steps);
    this.steps++;
    return Math.min(maxMs, base * (1 + jitter * random()));
  }

  /** Back to the initial delay (after a success). */
  reset(): void {
    this.steps = 0;
  }

  get attempts(): number {
    return this.steps;
  }
}

/** The n-th delay (0-based) of a backoff, without keeping state: for bounded retry loops. */
export function backoffDelay(options: BackoffOptions, attempt: number): number {
  const { initialMs, maxMs, factor = 2, jitter = 0.2, random = Math.random } = options;
  const base = Math.min(maxMs, initialMs * factor ** attempt);
  return Math.min(maxMs, base * (1 + jitter * random()));
}
