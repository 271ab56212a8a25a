/**
 * @module images/echo/main
 *
 * Entrypoint of the tskube/echo image (see server.ts and options.ts; knobs in docs/runtime.md).
 * Exits 0 after a graceful shutdown on SIGTERM/SIGINT, with $EXIT_CODE after $EXIT_AFTER_SECONDS,
 * 2 on a configuration error, 1 if it cannot listen.
 */
import { echoOptionsFromEnv, EchoOptionsError, type EchoOptions } from './options.js';
import { startEchoServer, type EchoServer } from './server.js';

const startedAt = Date.now();

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

async function main(): Promise<void> {
  let options: EchoOptions;
  try {
    options = echoOptionsFromEnv(process.env);
  } catch (err) {
    if (!(err instanceof EchoOptionsError)) throw err;
    process.stderr.write(`tskube/echo: ${err.message}\n`);
    process.exit(2);
  }

  let echo: EchoServer | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGTERM' && options.ignoreSigterm) return say('received SIGTERM, ignoring it (IGNORE_SIGTERM)');
    if (stopping) return;
    stopping = true;
    say(`received ${signal}, shutting down gracefully`);
    if (!echo) process.exit(0);
    void echo.shutdown().then(() => {
      say('shut down');
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  if (options.exitAfterMs !== undefined) {
    setTimeout(() => {
      say(`exiting with code ${options.exitCode} (EXIT_AFTER_SECONDS)`);
      process.exit(options.exitCode);
    }, options.exitAfterMs);
  }
  if (options.startupDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.startupDelayMs));
  if (stopping) return;

  try {
    echo = await startEchoServer(options, startedAt);
  } catch (err) {
    process.stderr.write(`tskube/echo: cannot listen on ${options.host}:${options.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const where = `${echo.address.address}:${echo.address.port}`;
  say(`tskube/echo listening on ${where} (pod ${options.namespace}/${options.pod}, node ${options.node}, zone ${options.zone || '-'})`);
}

void main();
