/**
 * @module util/deadline
 *
 * Runs work under a signal that aborts when the caller's signal does or after `ms`, whichever
 * comes first. Written with a plain timer on purpose: on Node 20 a signal from
 * `AbortSignal.any([s, AbortSignal.timeout(ms)])` can be garbage-collected before it fires
 * (nodejs/node#57736), and a heartbeat whose timeout never fires waits on a dead connection
 * until the node is declared lost.
 */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

export async function withDeadline<T>(signal: AbortSignal, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(`no answer within ${ms} ms`)), Math.max(1, ms));
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
