/**
 * @module log
 *
 * The structured logger every component uses: JSON lines on stderr (pino), one child logger per
 * component. Human-facing output of the CLI goes to stdout separately.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const root = pino({
  level: process.env.TSKUBE_LOG_LEVEL ?? 'info',
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
}, pino.destination(2));

export function createLogger(component: string): Logger {
  return root.child({ component });
}
