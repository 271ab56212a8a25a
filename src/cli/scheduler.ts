/**
 * @module cli/scheduler
 *
 * `tskube scheduler`: assigns pods to nodes, as upstream's kube-scheduler (the default-scheduler
 * profile). With leader election (the default), replicas elect one leader through the Lease
 * kube-system/kube-scheduler and only it schedules.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { loadKubeconfig, RestClient, runLeaderElection, type ClientConfig } from '../client/index.js';
import { createLogger, type Logger } from '../log.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { onShutdownSignal } from './signals.js';

interface SchedulerFlags {
  kubeconfig?: string;
  leaderElect: boolean;
}

export function schedulerCommand(): Command {
  return new Command('scheduler')
    .description('assign pods to nodes as kube-scheduler (default-scheduler profile)')
    .option('--kubeconfig <file>', 'how to reach the API server (default: $KUBECONFIG or ~/.kube/config)')
    .option('--no-leader-elect', 'run without electing a leader (only one replica may run)')
    .action((flags: SchedulerFlags) => runSchedulerCommand(flags));
}

async function runSchedulerCommand(flags: SchedulerFlags): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('scheduler');
  const clientConfig = await loadKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  process.stdout.write(`tskube scheduler: scheduling for ${clientConfig.server}\n`);
  await runScheduler({ clientConfig, log, leaderElect: flags.leaderElect, signal: shutdown.signal });
}

export interface RunSchedulerOptions {
  readonly clientConfig: ClientConfig;
  readonly log: Logger;
  readonly leaderElect: boolean;
  readonly signal: AbortSignal;
  /** Reports the scheduler once it runs (tests). */
  readonly onStarted?: (scheduler: Scheduler) => void;
}

/** Schedules until the signal aborts (while leading, with leader election). */
export async function runScheduler(options: RunSchedulerOptions): Promise<void> {
  const client = new RestClient({ config: options.clientConfig, log: options.log, userAgent: 'tskube-scheduler' });
  const schedule = async (signal: AbortSignal) => {
    const scheduler = new Scheduler({ client, log: options.log });
    options.onStarted?.(scheduler);
    await scheduler.run(signal);
  };
  try {
    if (!options.leaderElect) return await schedule(options.signal);
    await runLeaderElection({
      client,
      lease: { namespace: 'kube-system', name: 'kube-scheduler' },
      identity: `${hostname()}_${randomUUID()}`,
      log: options.log,
      signal: options.signal,
      releaseOnCancel: true,
      callbacks: {
        onStartedLeading: (signal) => schedule(signal),
        onStoppedLeading: () => options.log.info('stopped leading'),
      },
    });
  } finally {
    client.close();
  }
}
