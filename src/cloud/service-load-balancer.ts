/**
 * @module cloud/service-load-balancer
 *
 * A cloud provider's service controller for one load balancer (upstream: the service controller
 * of the cloud-controller-manager, k8s.io/cloud-provider controllers/service), with `tskube lb`'s
 * balancer as the "cloud": it watches one Service and every Node, keeps the balancer's backends =
 * the eligible nodes' `InternalIP:nodePort` (health-checked for externalTrafficPolicy Local, see
 * cloud/backend-plan), and shows where the balancer listens in the Service's
 * `status.loadBalancer.ingress`, clearing it when the Service stops asking for a balancer and,
 * best effort, when the controller stops.
 *
 * One key, one worker: every Service or Node event and every change of a health verdict queues
 * the Service's key; a sync reads the listers, sets the backends when they changed, and writes
 * the status when it differs. A failed status write is retried with the queue's backoff for as
 * long as the controller runs, as upstream retries a load balancer sync.
 *
 * Differences from upstream, on purpose: one balancer fronts one named Service (no
 * loadBalancerClass selection, and no `service.kubernetes.io/load-balancer-cleanup` finalizer:
 * the balancer is a process that goes when it stops, there is no cloud resource to delete, and a
 * finalizer left by a killed balancer would block deleting the Service); nodes must be Ready and
 * schedulable (see cloud/node-eligibility).
 */
import type { LoadBalancerIngress } from 'kubernetes-types/core/v1.js';
import {
  EventRecorder,
  isNotFound,
  listWatchFor,
  RateLimitingQueue,
  restEventSink,
  runController,
  SharedInformer,
  type ResourceClient,
  type RestClient,
} from '../client/index.js';
import { formatHostPort, type HostPort } from '../faults/address.js';
import type { Logger } from '../log.js';
import { planBackends, type BackendPlan, type NodeBackendStatus } from './backend-plan.js';
import { HealthChecker, type HealthCheckSettings } from './health-checker.js';
import { ingressFor, patchIngress, showsIngress } from './ingress-status.js';
import { formatServiceRef, type Node, type Service, type ServiceRef } from './types.js';

/** What the controller drives: `faults/load-balancer`'s LoadBalancer fits. */
export interface BackendTarget {
  /** Where clients connect: the ingress the Service shows. */
  readonly address: HostPort;
  setBackends(backends: readonly HostPort[]): void;
}

export interface ServiceLoadBalancerOptions {
  readonly client: RestClient;
  readonly service: ServiceRef;
  readonly lb: BackendTarget;
  /** Serve the Service port of this name (default: the first TCP port). */
  readonly portName?: string;
  readonly healthCheck?: HealthCheckSettings;
  /** How long the status may take to clear on stop; default 5000 ms. */
  readonly clearTimeoutMs?: number;
  readonly log: Logger;
}

/** `GET /status`'s `owner` and `tskube lb status`'s service lines. */
export interface ServiceLoadBalancerStatus {
  readonly service: string;
  readonly serving: boolean;
  readonly problem?: string;
  readonly port?: BackendPlan['port'];
  readonly externalTrafficPolicy?: string;
  readonly healthCheckNodePort?: number;
  /** What the controller last wrote (or found) in status.loadBalancer.ingress. */
  readonly ingress: readonly LoadBalancerIngress[];
  readonly backends: readonly string[];
  readonly nodes: readonly NodeBackendStatus[];
}

/** Upstream's event source and reasons (kubectl describe svc shows them). */
const COMPONENT = 'service-controller';

export class ServiceLoadBalancerController {
  private readonly services: SharedInformer<Service>;
  private readonly nodes: SharedInformer<Node>;
  private readonly serviceClient: ResourceClient<Service>;
  private readonly queue = new RateLimitingQueue<string>();
  private readonly health: HealthChecker;
  private readonly events: EventRecorder;
  private readonly key: string;
  private readonly ingress: LoadBalancerIngress[];
  private plan: BackendPlan | undefined;
  private appliedBackends: string | undefined;
  private shownIngress: readonly LoadBalancerIngress[] = [];

  constructor(private readonly options: ServiceLoadBalancerOptions) {
    const { client, service, log } = options;
    this.key = formatServiceRef(service);
    this.ingress = [ingressFor(options.lb.address.host, options.lb.address.port)];
    this.serviceClient = client.resource<Service>('', 'v1', 'services');
    this.services = new SharedInformer<Service>({
      name: 'services',
      listWatch: listWatchFor(this.serviceClient, { namespace: service.namespace, fieldSelector: `metadata.name=${service.name}` }),
      log,
    });
    this.nodes = new SharedInformer<Node>({ name: 'nodes', listWatch: listWatchFor(client.resource<Node>('', 'v1', 'nodes')), log });
    const enqueue = () => this.queue.add(this.key);
    for (const informer of [this.services, this.nodes] as SharedInformer[]) {
      informer.addEventHandler({ onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue });
    }
    this.health = new HealthChecker({ ...options.healthCheck, onChange: enqueue, log });
    this.events = new EventRecorder({ sink: restEventSink(client), component: COMPONENT, log });
  }

  /** Runs until `signal` aborts, then clears the ingress it wrote (best effort, bounded). */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.services.run(signal), this.nodes.run(signal)];
    const health = this.health.run(signal);
    try {
      await runController({
        name: 'service-lb',
        queue: this.queue,
        workers: 1,
        informers: [this.services, this.nodes],
        signal,
        // A balancer keeps trying for as long as it runs (an API server away for minutes).
        maxRetries: Number.MAX_SAFE_INTEGER,
        sync: (_key, s) => this.sync(s),
        log: this.options.log,
      });
    } finally {
      await Promise.allSettled([...informers, health]);
      await this.clearIngress();
    }
  }

  status(): ServiceLoadBalancerStatus {
    const plan = this.plan;
    return {
      service: this.key,
      serving: plan?.serving ?? false,
      ...(plan ? plan.problem !== undefined && { problem: plan.problem } : { problem: 'not synced with the API server yet' }),
      ...(plan?.port && { port: plan.port }),
      ...(plan?.externalTrafficPolicy && { externalTrafficPolicy: plan.externalTrafficPolicy }),
      ...(plan?.healthCheckNodePort && { healthCheckNodePort: plan.healthCheckNodePort }),
      ingress: this.shownIngress,
      backends: (plan?.backends ?? []).map(formatHostPort),
      nodes: plan?.nodes ?? [],
    };
  }

  private async sync(signal: AbortSignal): Promise<void> {
    const service = this.services.indexer.getByKey(this.key);
    const plan = planBackends({
      service,
      nodes: this.nodes.indexer.list(),
      ...(this.options.portName !== undefined && { portName: this.options.portName }),
      health: (t) => this.health.health(t),
    });
    this.plan = plan;
    this.health.setTargets(plan.healthTargets);
    this.applyBackends(plan, service);
    if (!service) {
      this.shownIngress = [];
      return;
    }
    const want = plan.serving ? this.ingress : [];
    // Never wipe an ingress someone else wrote: clear only our own.
    if (!plan.serving && !showsIngress(service, this.ingress)) {
      this.shownIngress = service.status?.loadBalancer?.ingress ?? [];
      return;
    }
    if (showsIngress(service, want)) {
      this.shownIngress = want;
      return;
    }
    try {
      await patchIngress(this.serviceClient, service, want, signal);
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile; its delete event comes next
      throw err;
    }
    this.shownIngress = want;
    this.options.log.info({ service: this.key, ingress: want }, plan.serving ? 'load balancer ensured' : 'load balancer ingress cleared');
    if (plan.serving) void this.events.event(service, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', { signal });
    else void this.events.event(service, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer', { signal });
  }

  private applyBackends(plan: BackendPlan, service: Service | undefined): void {
    const list = plan.backends.map(formatHostPort).join(',');
    if (list === this.appliedBackends) return;
    const first = this.appliedBackends === undefined;
    this.appliedBackends = list;
    this.options.lb.setBackends(plan.backends);
    this.options.log.info({ service: this.key, port: plan.port, backends: plan.backends.map(formatHostPort), problem: plan.problem }, 'backends updated');
    if (!first && service && plan.serving) void this.events.event(service, 'Normal', 'UpdatedLoadBalancer', 'Updated load balancer with new hosts');
  }

  private async clearIngress(): Promise<void> {
    const timeout = AbortSignal.timeout(this.options.clearTimeoutMs ?? 5000);
    const { namespace, name } = this.options.service;
    try {
      const service = await this.serviceClient.get(name, { namespace, signal: timeout });
      if (!showsIngress(service, this.ingress)) return;
      await patchIngress(this.serviceClient, service, [], timeout);
      this.options.log.info({ service: this.key }, 'load balancer ingress cleared on shutdown');
    } catch (err) {
      if (isNotFound(err)) return;
      this.options.log.warn({ service: this.key, err: err instanceof Error ? err.message : String(err) }, 'could not clear the ingress on shutdown; it stays until the Service changes');
    }
  }
}
