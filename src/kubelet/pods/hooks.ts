/**
 * @module kubelet/pods/hooks
 *
 * Container lifecycle hooks: postStart runs right after the container started (a failure kills
 * it, and it restarts per policy, with a FailedPostStartHook event); preStop runs before SIGTERM
 * and shares the pod's grace period with the stop itself. Handlers: exec, httpGet, sleep.
 */
import type { LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { sleep } from '../../util/sleep.js';
import { runExec, runHttpGet, type HandlerTarget } from './handlers.js';

/** Runs a hook; resolves undefined on success, else upstream's failure message. */
export async function runHook(handler: LifecycleHandler, target: HandlerTarget, podRef: string, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  const who = `for Container "${target.container.name}" in Pod "${podRef}"`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    const result = await runExec(handler.exec, target, timeoutMs);
    if (result.ok) return undefined;
    const code = result.exitCode;
    const error = code === undefined ? result.message : `command '${command.join(' ')}' exited with ${code}: ${result.message}`;
    return `Exec lifecycle hook ([${command.join(' ')}]) ${who} failed - error: ${error}, message: ${JSON.stringify(result.message)}`;
  }
  if (handler.httpGet) {
    const result = await runHttpGet(handler.httpGet, target, timeoutMs);
    return result.ok ? undefined : `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${who} failed - error: ${result.message}`;
  }
  if (handler.sleep) {
    await sleep(Math.min(handler.sleep.seconds * 1000, timeoutMs), signal);
    return undefined;
  }
  return undefined;
}
