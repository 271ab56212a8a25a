/**
 * @module cli/main
 *
 * The `tskube` command. Each subcommand lives in its own file and only wires components together.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { apiserverCommand } from './apiserver.js';
import { lbCommand } from './lb.js';
import { controllerManagerCommand } from './controller-manager.js';
import { doctorCommand } from './doctor.js';
import { dnsCommand } from './dns.js';
import { downCommand } from './down.js';
import { nodeCommand } from './node.js';
import { proxyCommand } from './proxy.js';
import { schedulerCommand } from './scheduler.js';
import { upCommand } from './up.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('tskube')
  .description('A Kubernetes-compatible control plane that survives the failures that take real clusters down.')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(upCommand())
  .addCommand(apiserverCommand())
  .addCommand(lbCommand())
  .addCommand(controllerManagerCommand())
  .addCommand(schedulerCommand())
  .addCommand(nodeCommand())
  .addCommand(downCommand())
  .addCommand(proxyCommand())
  .addCommand(doctorCommand())
  .addCommand(dnsCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (a port in use, an unreadable data dir) are one line, not a stack trace;
  // TSKUBE_LOG_LEVEL=debug shows the stack.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.TSKUBE_LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
