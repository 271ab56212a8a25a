/**
 * @module cli/controller-manager
 *
 * `tskube controller-manager`: the controllers, as upstream's kube-controller-manager, with its
 * flag names. Settings that cannot work are refused before anything starts (the doctor's check).
 * With --leader-elect (the default), replicas elect one leader through a Lease in kube-system and
 * only it runs the controllers.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { loadKubeconfig, RestClient, runLeaderElection, type ClientConfig } from '../client/index.js';
import { checkTiming } from '../controllers/nodelifecycle/config.js';
import { InformerFactory } from '../controllers/common/informers.js';
import { DaemonSetController } from '../controllers/daemonset/controller.js';
import { DeploymentController } from '../controllers/deployment/controller.js';
import { DisruptionController } from '../controllers/disruption/controller.js';
import { EndpointsController } from '../controllers/endpoints/controller.js';
import { EndpointSliceController } from '../controllers/endpointslice/controller.js';
import { GarbageCollector } from '../controllers/garbagecollector/controller.js';
import { NamespaceController } from '../controllers/namespace/controller.js';
import { ReplicaSetController } from '../controllers/replicaset/controller.js';
import { NodeLifecycleController } from '../controllers/nodelifecycle/controller.js';
import type { NodeLifecycleConfig } from '../controllers/nodelifecycle/config.js';
import { createLogger, type Logger } from '../log.js';
import { raiseMaxListeners } from '../util/listeners.js';
import { addLifecycleFlags, lifecycleConfig, type LifecycleFlags } from './lifecycle-flags.js';
import { onShutdownSignal } from './signals.js';

interface ControllerManagerFlags extends LifecycleFlags {
  kubeconfig?: string;
  leaderElect: boolean;
}

export function controllerManagerCommand(): Command {
  const command = new Command('controller-manager')
    .description('run the controllers (node lifecycle, namespace, replicaset, deployment, daemonset, garbage collector, endpointslice, endpoints, disruption) as kube-controller-manager')
    .option('--kubeconfig <file>', 'how to reach the API server (default: $KUBECONFIG or ~/.kube/config)')
    .option('--no-leader-elect', 'run without electing a leader (only one replica may run)');
  addLifecycleFlags(command);
  return command.action((flags: ControllerManagerFlags) => runControllerManagerCommand(flags));
}

async function runControllerManagerCommand(flags: ControllerManagerFlags): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('controller-manager');
  const config = lifecycleConfig(flags);
  const errors = refuseBrokenTiming(config, log);
  if (errors) throw new Error(errors);
  const clientConfig = await loadKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  process.stdout.write(`tskube controller-manager: controlling ${clientConfig.server}\n`);
  await runControllerManager({ clientConfig, config, log, leaderElect: flags.leaderElect, signal: shutdown.signal });
}

/** Logs every finding; returns the first error's message when the settings cannot work. */
export function refuseBrokenTiming(config: NodeLifecycleConfig, log: Logger): string | undefined {
  const findings = checkTiming(config);
  for (const f of findings) log[f.severity === 'error' ? 'error' : 'warn']({ setting: f.setting }, f.message);
  return findings.find((f) => f.severity === 'error')?.message;
}

export interface ControllerManagerOptions {
  readonly clientConfig: ClientConfig;
  readonly config: NodeLifecycleConfig;
  readonly log: Logger;
  readonly leaderElect: boolean;
  readonly signal: AbortSignal;
  /** Reports the node lifecycle controller once it runs (tests, scenario reports). */
  readonly onStarted?: (controllers: { nodeLifecycle: NodeLifecycleController }) => void;
}

/** Runs the controllers until the signal aborts (while leading, with leader election). */
export async function runControllerManager(options: ControllerManagerOptions): Promise<void> {
  const client = new RestClient({ config: options.clientConfig, log: options.log, userAgent: 'tskube-controller-manager' });
  const runControllers = async (signal: AbortSignal) => {
    // A dozen informers and controllers listen on this one signal: not a leak.
    raiseMaxListeners(signal, 100);
    const nodeLifecycle = new NodeLifecycleController({ client, log: options.log.child({ controller: 'node-lifecycle' }), config: options.config });
    const namespaces = new NamespaceController({ client, log: options.log.child({ controller: 'namespace' }) });
    // The workload controllers and the garbage collector share one informer per resource.
    const informers = new InformerFactory(client, options.log.child({ component: 'informers' }));
    const workloads = [
      new ReplicaSetController({ client, informers, log: options.log.child({ controller: 'replicaset' }) }),
      new DeploymentController({ client, informers, log: options.log.child({ controller: 'deployment' }) }),
      new DaemonSetController({ client, informers, log: options.log.child({ controller: 'daemonset' }) }),
      new GarbageCollector({ client, informers, log: options.log.child({ controller: 'garbagecollector' }) }),
      new EndpointSliceController({ client, informers, log: options.log.child({ controller: 'endpointslice' }) }),
      new EndpointsController({ client, informers, log: options.log.child({ controller: 'endpoints' }) }),
      new DisruptionController({ client, informers, log: options.log.child({ controller: 'disruption' }) }),
    ];
    options.onStarted?.({ nodeLifecycle });
    await Promise.all([nodeLifecycle.run(signal), namespaces.run(signal), informers.run(signal), ...workloads.map((c) => c.run(signal))]);
  };
  try {
    if (!options.leaderElect) return await runControllers(options.signal);
    await runLeaderElection({
      client,
      lease: { namespace: 'kube-system', name: 'kube-controller-manager' },
      identity: `${hostname()}_${randomUUID()}`,
      log: options.log,
      signal: options.signal,
      releaseOnCancel: true,
      callbacks: {
        onStartedLeading: (signal) => runControllers(signal),
        onStoppedLeading: () => options.log.info('stopped leading'),
      },
    });
  } finally {
    client.close();
  }
}
