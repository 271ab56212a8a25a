/**
 * @module kubelet/pods/manager
 *
 * The node agent's pod side (upstream: the kubelet's pod manager and pod workers): an informer
 * on the pods bound to this node (fieldSelector spec.nodeName=<node>), one serialized PodWorker
 * per pod uid, container exits routed to their pod's worker, and per-pod CPU/memory usage
 * sampled from the runtime.
 *
 * On start it first asks the runtime what runs (containers of a previous agent run with the same
 * data dir): a pod still bound here takes its containers back; once the informer has synced,
 * the sandboxes of pods that are gone (deleted or evicted while the agent was down) are removed,
 * so no orphan survives a restart. Pods that got a deletionTimestamp meanwhile are terminated
 * by their workers as usual.
 *
 * It is also the kubelet HTTP server's way to a container: see `ContainerLookup`.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../../log.js';
import { DeletedFinalStateUnknown, EventRecorder, SharedInformer } from '../../client/index.js';
import type { ContainerRuntime, RuntimeContainer } from '../runtime/interface.js';
import type { PodApi, PodObject } from './api.js';
import { CrashLoopBackoff, type CrashLoopBackoffOptions } from './backoff.js';
import { IPAllocator } from './ip-allocator.js';
import type { ContainerLookup, PodUsage } from './lookup.js';
import { clusterIPServiceHost, type ServiceHostFn } from './service-env.js';
import { PodWorker, type NodeFacts, type PodWorkerDeps } from './worker.js';
import { readHostResolvConf, type ClusterDnsSettings } from './dns.js';

export interface PodManagerOptions {
  readonly api: PodApi;
  readonly runtime: ContainerRuntime;
  readonly node: NodeFacts & { readonly podCIDR?: string };
  readonly log: Logger;
  /** The address a pod should use for a Service (host mode: a per-node proxy); default its clusterIP. */
  readonly serviceHost?: ServiceHostFn;
  /** Crash-loop backoff (upstream: 10 s doubling to 5 min); smaller in tests. */
  readonly backoff?: CrashLoopBackoffOptions;
  /** Run probes (default: unless the runtime is simulated, where they count as passing). */
  readonly runProbes?: boolean;
  /** How often usage is sampled (10 s). */
  readonly usageIntervalMs?: number;
  /** How soon a container that could not be started is tried again (10 s). */
  readonly errorRetryMs?: number;
  /**
   * The network namespace this node's pods run in (netns mode: the node's own, which the agent
   * runs in too); the runtime then gives each pod a private mount namespace. Host mode: none.
   */
  readonly podNetworkNamespace?: string;
  /** `--cluster-dns` and `--cluster-domain`: what ClusterFirst pods resolve through (pods/dns.ts). */
  readonly dns?: ClusterDnsSettings;
  /** `--resolv-conf`: the node's resolver configuration, for Default pods (/etc/resolv.conf). */
  readonly resolvConf?: string;
}

export class PodManager implements ContainerLookup {
  readonly runtime: ContainerRuntime;
  private readonly workers = new Map<string, PodWorker>();
  /** namespace/name → uid of the pod of that name bound here now. */
  private readonly byName = new Map<string, string>();
  private readonly usage = new Map<string, PodUsage>();
  /** Containers found at start, by pod uid, until a worker claims them. */
  private adoptable = new Map<string, RuntimeContainer[]>();
  private readonly ips: IPAllocator | undefined;
  private readonly backoff: CrashLoopBackoff;
  private readonly events: EventRecorder;
  private readonly log: Logger;
  private signal: AbortSignal | undefined;
  private readonly dns: PodWorkerDeps['dns'];

  constructor(private readonly options: PodManagerOptions) {
    this.runtime = options.runtime;
    this.ips = options.node.podCIDR ? new IPAllocator(options.node.podCIDR) : undefined;
    this.backoff = new CrashLoopBackoff(options.backoff);
    this.log = options.log.child({ node: options.node.name });
    this.events = new EventRecorder({ sink: options.api.events, component: 'kubelet', host: options.node.name, log: this.log });
    this.dns = { cluster: options.dns ?? { clusterDNS: [] }, host: readHostResolvConf(options.resolvConf) };
  }

  /** Runs until the signal aborts. Containers keep running for the next agent run to adopt. */
  async run(signal: AbortSignal): Promise<void> {
    // Every worker listens on one signal: a node with hundreds of pods is not a listener leak.
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop.abort();
    this.signal = stop.signal;
    const found = await this.runtime.listContainers();
    for (const c of found) this.adoptable.set(c.podUid, [...(this.adoptable.get(c.podUid) ?? []), c]);
    const unsubscribe = this.runtime.onExit((c) => this.workers.get(c.podUid)?.containerExited(c));
    const informer = new SharedInformer<PodObject>({ name: `pods@${this.options.node.name}`, listWatch: this.options.api.podsOnNode(this.options.node.name), log: this.log });
    informer.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (_old, pod) => this.podChanged(pod),
      onDelete: (obj) => this.podDeleted(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
    });
    const running = informer.run(signal);
    const usage = this.sampleUsage(signal);
    try {
      if (await informer.waitForSync(signal)) await this.removeOrphans();
      await running;
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      unsubscribe();
      for (const w of this.workers.values()) w.close();
      await usage;
    }
  }

  findContainer(namespace: string, pod: string, container: string, options: { previous?: boolean } = {}): RuntimeContainer | undefined {
    const uid = this.byName.get(`${namespace}/${pod}`);
    const found = uid ? this.workers.get(uid)?.container(container, options.previous ?? false) : undefined;
    return found ? (this.runtime.inspect(found.id) ?? found) : undefined;
  }

  podIP(namespace: string, pod: string): string | undefined {
    const uid = this.byName.get(`${namespace}/${pod}`);
    return uid ? this.workers.get(uid)?.ip : undefined;
  }

  podUsage(namespace: string, name: string): PodUsage | undefined {
    const uid = this.byName.get(`${namespace}/${name}`);
    return uid ? this.usage.get(uid) : undefined;
  }

  /** Pods this node is working on (tests, metrics). */
  get podCount(): number {
    return this.workers.size;
  }

  /** Resolves once no worker is mid-sync (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.idle()));
  }

  private podChanged(pod: PodObject): void {
    const uid = pod.metadata?.uid;
    if (!uid || !this.signal) return;
    this.byName.set(`${pod.metadata?.namespace}/${pod.metadata?.name}`, uid);
    let worker = this.workers.get(uid);
    if (!worker) {
      worker = new PodWorker(pod, this.workerDeps(), this.signal);
      this.workers.set(uid, worker);
      const adopted = this.adoptable.get(uid);
      this.adoptable.delete(uid);
      worker.adopt(adopted ?? []);
    }
    worker.update(pod);
  }

  private podDeleted(pod: PodObject): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const worker = this.workers.get(uid);
    if (worker) worker.markDeleted();
  }

  private workerDeps(): PodWorkerDeps {
    return {
      runtime: this.runtime,
      api: this.options.api,
      events: this.events,
      backoff: this.backoff,
      ips: this.ips,
      node: this.options.node,
      serviceHost: this.options.serviceHost ?? clusterIPServiceHost,
      podNetworkNamespace: this.options.podNetworkNamespace,
      dns: this.dns,
      runProbes: this.options.runProbes ?? this.runtime.kind !== 'simulated',
      errorRetryMs: this.options.errorRetryMs ?? 10_000,
      log: this.log,
      onFinished: (uid: string) => this.forget(uid),
    };
  }

  private forget(uid: string): void {
    const worker = this.workers.get(uid);
    if (!worker) return;
    worker.close();
    this.workers.delete(uid);
    this.usage.delete(uid);
    const key = `${worker.namespace}/${worker.name}`;
    if (this.byName.get(key) === uid) this.byName.delete(key);
  }

  /** Sandboxes of pods no longer bound here: removed with whatever still runs in them. */
  private async removeOrphans(): Promise<void> {
    const orphans = this.adoptable;
    this.adoptable = new Map();
    for (const uid of orphans.keys()) {
      if (this.workers.has(uid)) continue;
      this.log.info({ podUid: uid }, 'removing the sandbox of a pod that is no longer bound to this node');
      await this.runtime.removeSandbox(uid);
    }
  }

  private async sampleUsage(signal: AbortSignal): Promise<void> {
    const interval = this.options.usageIntervalMs ?? 10_000;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, interval);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
      if (signal.aborted) return;
      for (const [uid, worker] of this.workers) {
        let cpu = 0;
        let memory = 0;
        for (const id of worker.runningContainerIds()) {
          const u = await this.runtime.usage(id).catch(() => undefined);
          if (!u) continue;
          cpu += u.cpuUsageNanoSeconds;
          memory += u.memoryWorkingSetBytes;
        }
        const now = new Date();
        const before = this.usage.get(uid);
        const elapsed = before ? (now.getTime() - before.sampledAt.getTime()) / 1000 : 0;
        const rate = before && elapsed > 0 ? Math.max(0, (cpu - before.cpuUsageNanoSeconds) / elapsed) : 0;
        this.usage.set(uid, { cpuUsageNanoSeconds: cpu, cpuUsageNanoCores: Math.round(rate), memoryWorkingSetBytes: memory, sampledAt: now });
      }
    }
  }
}
