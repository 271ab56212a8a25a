/**
 * @module cli/signals
 *
 * Turns SIGINT/SIGTERM into an AbortSignal for a command's whole lifetime. Install it first, before
 * anything starts, so a signal during start-up also leads to an orderly shutdown. A second signal
 * while shutting down exits at once, as an impatient Ctrl-C Ctrl-C expects.
 */
import { setMaxListeners } from 'node:events';

export interface Shutdown {
  /** Aborts on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Resolves with the signal's name. */
  readonly received: Promise<NodeJS.Signals>;
}

export function onShutdownSignal(): Shutdown {
  const controller = new AbortController();
  // Every component of a command (`tskube up` runs a dozen) listens on this one signal: by design.
  setMaxListeners(64, controller.signal);
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (name: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      controller.abort();
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { signal: controller.signal, received };
}
