/**
 * @module util/listeners
 *
 * Raising an AbortSignal's listener limit without lowering it: a signal is often shared by many
 * components (every informer and worker of a controller manager listens on one), and each only
 * knows its own share. 0 means unlimited and stays so.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';

export function raiseMaxListeners(target: EventTarget, atLeast: number): void {
  let current: number;
  try {
    current = getMaxListeners(target);
  } catch {
    // Node 20's getMaxListeners throws for an EventTarget whose limit was set to 0 (unlimited):
    // there is nothing to raise then.
    return;
  }
  if (current !== 0 && current < atLeast) setMaxListeners(atLeast, target);
}
