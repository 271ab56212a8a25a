/**
 * @module images/echo/options
 *
 * The tskube/echo image's settings, all from its environment (what a pod spec can set). The
 * failure knobs exist so tests and demos can make a pod slow to become ready, never ready,
 * unhealthy, crash, or slow to shut down, without writing a program.
 */

export interface EchoOptions {
  /** Address to listen on: $POD_IP, else $TSKUBE_POD_IP (the runtime sets it), else all. */
  readonly host: string;
  /** $PORT, default 8080. */
  readonly port: number;
  readonly pod: string;
  readonly namespace: string;
  readonly node: string;
  readonly zone: string;
  readonly podIP: string;
  /** $MESSAGE, echoed in every answer (tells two revisions of a Deployment apart). */
  readonly message: string | undefined;
  /** $STARTUP_DELAY_SECONDS: wait this long before listening at all. */
  readonly startupDelayMs: number;
  /** $READY_AFTER_SECONDS: /readyz answers 503 until this long after start. */
  readyAfterMs: number;
  /** $FAIL_READINESS=true: /readyz always answers 503. */
  readonly failReadiness: boolean;
  /** $FAIL_LIVENESS=true, or $FAIL_LIVENESS_AFTER_SECONDS: /healthz answers 500 (from then on). */
  readonly failLivenessAfterMs: number | undefined;
  /** $EXIT_AFTER_SECONDS: exit by itself this long after start, with $EXIT_CODE (default 1). */
  readonly exitAfterMs: number | undefined;
  readonly exitCode: number;
  /** $SHUTDOWN_DELAY_SECONDS: after SIGTERM keep serving (readyz 503) this long before closing. */
  readonly shutdownDelayMs: number;
  /** $IGNORE_SIGTERM=true: SIGTERM is logged and ignored (only SIGKILL ends it). */
  readonly ignoreSigterm: boolean;
}

export class EchoOptionsError extends Error {
  override readonly name = 'EchoOptionsError';
}

export function echoOptionsFromEnv(env: NodeJS.ProcessEnv): EchoOptions {
  const failLiveness = flag(env, 'FAIL_LIVENESS');
  const failAfter = seconds(env, 'FAIL_LIVENESS_AFTER_SECONDS');
  const exitCode = env.EXIT_CODE === undefined || env.EXIT_CODE === '' ? 1 : Number(env.EXIT_CODE);
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
    throw new EchoOptionsError(`EXIT_CODE must be an integer from 0 to 255, not ${JSON.stringify(env.EXIT_CODE)}`);
  }
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new EchoOptionsError(`PORT must be a port number, not ${JSON.stringify(env.PORT)}`);
  }
  const podIP = env.POD_IP || env.TSKUBE_POD_IP || '';
  return {
    host: podIP || '0.0.0.0',
    port,
    pod: env.POD_NAME || env.TSKUBE_POD_NAME || env.HOSTNAME || '',
    namespace: env.POD_NAMESPACE || env.TSKUBE_POD_NAMESPACE || '',
    node: env.NODE_NAME || env.TSKUBE_NODE_NAME || '',
    zone: env.TSKUBE_ZONE || '',
    podIP,
    message: env.MESSAGE || undefined,
    startupDelayMs: seconds(env, 'STARTUP_DELAY_SECONDS') ?? 0,
    readyAfterMs: seconds(env, 'READY_AFTER_SECONDS') ?? 0,
    failReadiness: flag(env, 'FAIL_READINESS'),
    failLivenessAfterMs: failLiveness ? 0 : failAfter,
    exitAfterMs: seconds(env, 'EXIT_AFTER_SECONDS'),
    exitCode,
    shutdownDelayMs: seconds(env, 'SHUTDOWN_DELAY_SECONDS') ?? 0,
    ignoreSigterm: flag(env, 'IGNORE_SIGTERM'),
  };
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = (env[name] ?? '').toLowerCase();
  return value === 'true' || value === '1' || value === 'yes';
}

/** A duration in (possibly fractional) seconds, as milliseconds; undefined when unset. */
function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new EchoOptionsError(`${name} must be a number of seconds, not ${JSON.stringify(value)}`);
  return Math.round(n * 1000);
}
