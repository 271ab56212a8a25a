/**
 * @module kubelet/pods/worker
 *
 * One pod's worker (upstream: a pod worker plus SyncPod): every change — a new version of the
 * pod, a container exit, a probe result, a backoff timer — asks for a sync, and syncs run one at
 * a time, so a pod is never acted on by two flows at once. A sync makes the node match the pod:
 *
 *   - running pod: sandbox and IP, init containers one after another (each must exit 0), then
 *     every container; exits restart per restartPolicy with crash-loop backoff;
 *   - deletionTimestamp set (or the pod vanished): preStop hooks and SIGTERM within the grace
 *     period counted from when termination began, final status, sandbox removed, IP released,
 *     then the kubelet's DELETE (grace 0, uid precondition);
 *   - finished (Succeeded/Failed): nothing runs any more; containers and logs stay until the pod
 *     is deleted.
 *
 * After each sync the status is written if it differs from what was last written.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound, type EventRecorder, type EventType } from '../../client/index.js';
import { jsonEqual } from '../../api/object.js';
import { metaTime } from '../../api/time.js';
import type { Logger } from '../../log.js';
import { ContainerStartError, type ContainerRuntime, type PodSandboxConfig, type RuntimeContainer, type VolumeMount } from '../runtime/interface.js';
import type { PodApi, PodObject } from './api.js';
import { goDuration, type CrashLoopBackoff } from './backoff.js';
import { ContainerRecord, type ContainerKind } from './container-record.js';
import { DownwardAPIError, type PodRuntimeFacts } from './downward-api.js';
import { resolveContainerConfig } from './container-config.js';
import { ContainerConfigError, expandCommand } from './env.js';
import type { HandlerTarget } from './handlers.js';
import { runHook } from './hooks.js';
import type { IPAllocator } from './ip-allocator.js';
import { ContainerProber } from './prober.js';
import type { ServiceHostFn } from './service-env.js';
import { containerStatus, podConditions, podPhase, qosClass } from './status.js';
import { VolumeSetupError } from './volumes.js';
import { podDnsConfig, type ClusterDnsSettings } from './dns.js';
import type { ResolvConf } from '../../api/resolv-conf.js';

/** Upstream's floor for the time a container gets to stop once preStop has eaten its grace. */
const MIN_STOP_GRACE_MS = 2_000;
const STATUS_UPDATE_ATTEMPTS = 5;

export interface NodeFacts {
  readonly name: string;
  readonly address: string;
  readonly zone: string;
  readonly allocatable: { readonly cpu: string; readonly memory: string };
}

export interface PodWorkerDeps {
  readonly runtime: ContainerRuntime;
  readonly api: PodApi;
  readonly events: EventRecorder;
  readonly backoff: CrashLoopBackoff;
  /** Pod IPs from the node's podCIDR; without one every pod gets the node's address. */
  readonly ips: IPAllocator | undefined;
  readonly node: NodeFacts;
  readonly serviceHost: ServiceHostFn;
  /** The network namespace the node's pods run in (netns mode); undefined in host mode. */
  readonly podNetworkNamespace: string | undefined;
  /** The kubelet's --cluster-dns / --cluster-domain, and the node's own resolv.conf. */
  readonly dns: { readonly cluster: ClusterDnsSettings; readonly host: ResolvConf };
  readonly runProbes: boolean;
  /** How soon a container that could not be started (config error, missing volume) is retried. */
  readonly errorRetryMs: number;
  readonly log: Logger;
  /** Told once the pod is gone from the API and from this node. */
  readonly onFinished: (uid: string) => void;
}

export class PodWorker {
  readonly uid: string;
  private pod: PodObject;
  /** The informer saw the pod deleted from the API. */
  private deleted = false;
  private readonly records = new Map<string, ContainerRecord>();
  private sandboxReady = false;
  /** MissingClusterDNS is reported once per pod, not at every container start. */
  private dnsWarned = false;
  private podIP: string | undefined;

  /** The pod's IP once its sandbox has one (the kubelet API dials pods here). */
  get ip(): string | undefined {
    return this.podIP;
  }
  private readonly startTime = new Date();
  private lastWritten: Pod['status'] | undefined;
  /** Termination done (and the pod DELETEd): nothing more to do until the informer forgets it. */
  private terminated = false;
  /** The pod reached Succeeded/Failed: no container runs again. */
  private finished = false;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stop = new AbortController();
  private readonly log: Logger;
  private readonly detach: () => void;

  constructor(
    pod: PodObject,
    private readonly deps: PodWorkerDeps,
    parent: AbortSignal,
  ) {
    this.pod = pod;
    this.uid = pod.metadata?.uid ?? '';
    this.log = deps.log.child({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
    const onAbort = () => this.close();
    parent.addEventListener('abort', onAbort, { once: true });
    this.detach = () => parent.removeEventListener('abort', onAbort);
  }

  get namespace(): string {
    return this.pod.metadata?.namespace ?? 'default';
  }

  get name(): string {
    return this.pod.metadata?.name ?? '';
  }

  /** `name_namespace(uid)`, as upstream's messages name a pod. */
  get ref(): string {
    return `${this.name}_${this.namespace}(${this.uid})`;
  }

  /** Takes back containers a previous agent run started for this pod. Before the first sync. */
  adopt(containers: readonly RuntimeContainer[]): void {
    const byName = new Map<string, RuntimeContainer[]>();
    for (const c of containers) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    for (const [name, runs] of byName) {
      const spec = this.specOf(name);
      if (!spec) {
        for (const c of runs) void this.deps.runtime.stopContainer(c.id, 0).then(() => this.deps.runtime.removeContainer(c.id));
        continue;
      }
      const rec = this.record(spec.container, spec.kind);
      for (const old of rec.adopt(runs)) void this.deps.runtime.removeContainer(old.id);
      if (rec.running && rec.current) this.startProber(rec, rec.current);
    }
    this.sandboxReady = containers.length > 0;
    const ip = this.pod.status?.podIP;
    if (ip && this.deps.ips?.reserve(this.uid, ip)) this.podIP = ip;
  }

  update(pod: PodObject): void {
    this.pod = pod;
    this.kick();
  }

  /** The pod is gone from the API (deleted, maybe without us seeing its deletionTimestamp). */
  markDeleted(): void {
    this.deleted = true;
    this.kick();
  }

  containerExited(container: RuntimeContainer): void {
    for (const rec of this.records.values()) {
      if (rec.current?.id !== container.id) continue;
      rec.current = container;
      rec.prober?.close();
      this.kick();
    }
  }

  /** The container for logs/exec: the current run, or the one before with `previous`. */
  container(name: string, previous: boolean): RuntimeContainer | undefined {
    const rec = this.records.get(name);
    if (!rec) return undefined;
    if (!previous) return rec.current;
    return rec.restartPending ? rec.current : rec.previous;
  }

  /** Ids of every running container (usage sampling). */
  runningContainerIds(): string[] {
    return [...this.records.values()].filter((r) => r.running && r.current).map((r) => r.current!.id);
  }

  /** Asks for a sync; syncs never overlap, and one asked for during a sync runs after it. */
  kick(): void {
    if (this.stop.signal.aborted) return;
    this.dirty = true;
    if (this.syncing) return;
    this.syncing = (async () => {
      while (this.dirty && !this.stop.signal.aborted) {
        this.dirty = false;
        try {
          await this.sync();
        } catch (err) {
          if (this.stop.signal.aborted) break;
          this.log.warn({ err }, 'pod sync failed; retrying');
          this.after(this.deps.errorRetryMs);
        }
      }
      this.syncing = undefined;
    })();
  }

  /** Stops timers and probers (the agent is stopping); containers are left to the runtime. */
  close(): void {
    this.detach();
    this.stop.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const rec of this.records.values()) rec.prober?.close();
  }

  /** Resolves once no sync is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  private async sync(): Promise<void> {
    if (this.terminated) {
      // Terminated earlier and held by finalizers since; now the API has let it go too.
      if (this.deleted) this.deps.onFinished(this.uid);
      return;
    }
    if (this.deleted || this.pod.metadata?.deletionTimestamp) return this.terminate();
    const phase = this.pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && this.records.size === 0) {
      // Finished before this agent knew it (a new data dir): a finished pod never runs again,
      // and its status is the record of how it ended.
      this.finished = true;
      return;
    }
    if (!this.finished) await this.runContainers();
    await this.writeStatus();
  }

  private async runContainers(): Promise<void> {
    const spec = this.pod.spec;
    if (!spec) return;
    if (!(await this.ensureSandbox())) return;
    const policy = spec.restartPolicy ?? 'Always';
    let initDone = true;
    for (const c of spec.initContainers ?? []) {
      const rec = this.record(c, 'init');
      const exit = rec.exit;
      if (exit?.exitCode === 0) continue;
      initDone = false;
      if (rec.running) break;
      if (exit) {
        // A failed init container restarts unless the pod never restarts anything.
        if (policy !== 'Never') await this.restartAfterBackoff(rec, exit.finishedAt);
        break;
      }
      await this.startContainer(rec);
      break;
    }
    if (!initDone) return;
    for (const c of spec.containers ?? []) {
      const rec = this.record(c, 'regular');
      const exit = rec.exit;
      if (!rec.current) await this.startContainer(rec);
      else if (exit && (policy === 'Always' || (policy === 'OnFailure' && exit.exitCode !== 0))) await this.restartAfterBackoff(rec, exit.finishedAt);
    }
  }

  private async ensureSandbox(): Promise<boolean> {
    if (!this.podIP) {
      try {
        this.podIP = this.deps.ips ? this.deps.ips.allocate(this.uid) : this.deps.node.address;
      } catch (err) {
        this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err instanceof Error ? err.message : String(err)}`);
        this.after(this.deps.errorRetryMs);
        return false;
      }
    }
    await this.deps.runtime.createSandbox(this.sandboxConfig());
    this.sandboxReady = true;
    return true;
  }

  private sandboxConfig(): PodSandboxConfig {
    const dns = podDnsConfig(this.pod, this.deps.dns.cluster, this.deps.dns.host);
    // Host mode has no per-pod /etc: every pod uses the node's resolver, so the fallback is the
    // only behaviour there and not worth a warning on every pod.
    if (dns.warning && !this.dnsWarned && this.deps.podNetworkNamespace) {
      this.dnsWarned = true;
      this.event('Warning', 'MissingClusterDNS', dns.warning);
    }
    return {
      uid: this.uid,
      namespace: this.namespace,
      name: this.name,
      nodeName: this.deps.node.name,
      zone: this.deps.node.zone,
      podIP: this.podIP ?? this.deps.node.address,
      hostname: this.pod.spec?.hostname ?? this.name,
      ...(this.deps.podNetworkNamespace && { netns: this.deps.podNetworkNamespace }),
      ...(dns.conf && { dnsConfig: dns.conf }),
    };
  }

  private facts(): PodRuntimeFacts {
    return { podIP: this.podIP ?? '', hostIP: this.deps.node.address, nodeAllocatable: this.deps.node.allocatable };
  }

  /** Restarts an exited container unless it must first wait out its crash-loop backoff. */
  private async restartAfterBackoff(rec: ContainerRecord, finishedAt: Date): Promise<void> {
    const key = `${this.uid}/${rec.name}`;
    const now = Date.now();
    const at = this.deps.backoff.restartAt(key, finishedAt.getTime(), now);
    rec.restartPending = true;
    if (at !== undefined) {
      const message = `back-off ${goDuration(this.deps.backoff.currentDelayMs(key))} restarting failed container=${rec.name} pod=${this.ref}`;
      if (rec.waiting?.reason !== 'CrashLoopBackOff' || rec.waiting.message !== message) {
        this.event('Warning', 'BackOff', `Back-off restarting failed container ${rec.name} in pod ${this.ref}`, rec.fieldPath);
      }
      rec.waiting = { reason: 'CrashLoopBackOff', message };
      this.after(at - now);
      return;
    }
    this.deps.backoff.next(key, finishedAt.getTime());
    await this.startContainer(rec);
  }

  /**
   * An image this node cannot run, told as upstream's kubelet tells a failed pull: the first
   * failure is ErrImagePull with the reason, later tries wait in ImagePullBackOff.
   */
  private imagePullFailed(rec: ContainerRecord, image: string, message: string): void {
    if (rec.waiting?.reason !== 'ErrImagePull' && rec.waiting?.reason !== 'ImagePullBackOff') {
      this.event('Warning', 'Failed', `Failed to pull image "${image}": ${message}`, rec.fieldPath);
      this.event('Warning', 'Failed', 'Error: ErrImagePull', rec.fieldPath);
      rec.waiting = { reason: 'ErrImagePull', message };
      return;
    }
    if (rec.waiting.reason === 'ErrImagePull') {
      this.event('Normal', 'BackOff', `Back-off pulling image "${image}"`, rec.fieldPath);
      this.event('Warning', 'Failed', 'Error: ImagePullBackOff', rec.fieldPath);
    }
    rec.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${message}` };
  }

  private async startContainer(rec: ContainerRecord): Promise<void> {
    const spec = rec.spec;
    const signal = this.stop.signal;
    let env: Record<string, string>;
    let mounts: readonly VolumeMount[];
    try {
      ({ env, mounts } = await resolveContainerConfig(this.pod, spec, this.facts(), this.deps, signal));
    } catch (err) {
      if (err instanceof ContainerConfigError || err instanceof DownwardAPIError) {
        if (rec.waiting?.message !== err.message) this.event('Warning', 'Failed', `Error: ${err.message}`, rec.fieldPath);
        rec.waiting = { reason: 'CreateContainerConfigError', message: err.message };
        this.after(this.deps.errorRetryMs);
        return;
      }
      if (err instanceof VolumeSetupError) {
        this.event('Warning', 'FailedMount', err.message);
        rec.waiting = { reason: 'ContainerCreating' };
        this.after(this.deps.errorRetryMs);
        return;
      }
      throw err;
    }
    const image = spec.image ?? '';
    const restartCount = rec.current ? rec.restartCount + 1 : rec.restartCount;
    let started: RuntimeContainer;
    try {
      started = await this.deps.runtime.startContainer(this.sandboxConfig(), {
        name: spec.name,
        image,
        command: expandCommand(spec.command, env),
        args: expandCommand(spec.args, env),
        env,
        ...(spec.workingDir && { workingDir: spec.workingDir }),
        mounts,
        restartCount,
        // What kubectl attach / kubectl run -i need from the runtime.
        ...(spec.stdin && { stdin: true }),
        ...(spec.stdinOnce && { stdinOnce: true }),
        ...(spec.tty && { tty: true }),
      });
    } catch (err) {
      if (!(err instanceof ContainerStartError)) throw err;
      if (err.reason === 'ErrImagePull') this.imagePullFailed(rec, image, err.message);
      else {
        if (rec.waiting?.message !== err.message) this.event('Warning', 'Failed', `Error: ${err.message}`, rec.fieldPath);
        rec.waiting = { reason: err.reason, message: err.message };
      }
      this.after(this.deps.errorRetryMs);
      return;
    }
    // Every image a node can run is already on it: built in, or a command run on the host.
    this.event('Normal', 'Pulled', `Container image "${image}" already present on machine`, rec.fieldPath);
    if (rec.current) {
      if (rec.previous) void this.deps.runtime.removeContainer(rec.previous.id).catch(() => undefined);
      rec.previous = rec.current;
    }
    rec.current = started;
    rec.restartCount = restartCount;
    rec.waiting = undefined;
    rec.restartPending = false;
    this.event('Normal', 'Created', `Created container: ${spec.name}`, rec.fieldPath);
    this.event('Normal', 'Started', `Started container ${spec.name}`, rec.fieldPath);
    const postStart = spec.lifecycle?.postStart;
    if (postStart) {
      const failure = await runHook(postStart, this.target(rec, started), this.ref, this.podGraceMs(), signal);
      if (failure) {
        this.event('Warning', 'FailedPostStartHook', failure, rec.fieldPath);
        await this.killContainer(rec, Date.now() + this.podGraceMs(), `FailedPostStartHook`);
        return;
      }
    }
    if (this.deps.runtime.inspect(started.id)?.status.state === 'running') this.startProber(rec, started);
  }

  private startProber(rec: ContainerRecord, container: RuntimeContainer): void {
    rec.prober?.close();
    const startedAt = container.status.startedAt;
    rec.prober = new ContainerProber(
      this.target(rec, container),
      startedAt,
      {
        onChange: () => this.kick(),
        onUnhealthy: (kind, message) => this.event('Warning', 'Unhealthy', `${kind} probe failed: ${message}`, rec.fieldPath),
        onFailed: (kind) => {
          if (rec.current?.id !== container.id) return;
          this.event('Normal', 'Killing', `Container ${rec.name} failed ${kind.toLowerCase()} probe, will be restarted`, rec.fieldPath);
          void this.killContainer(rec, Date.now() + this.podGraceMs(), undefined).catch((err: unknown) => this.log.warn({ err }, 'killing an unhealthy container failed'));
        },
      },
      this.deps.runProbes,
    );
    rec.prober.start(this.stop.signal);
  }

  private target(rec: ContainerRecord, container: RuntimeContainer): HandlerTarget {
    return { runtime: this.deps.runtime, containerId: container.id, container: rec.spec, podIP: this.podIP ?? this.deps.node.address };
  }

  /** preStop (if any) then SIGTERM, SIGKILL at the deadline; `killingMessage` adds a Killing event. */
  private async killContainer(rec: ContainerRecord, deadline: number, killingMessage: string | undefined): Promise<void> {
    const current = rec.current;
    if (!current || current.status.state !== 'running') return;
    if (killingMessage) this.event('Normal', 'Killing', killingMessage, rec.fieldPath);
    rec.prober?.close();
    const preStop = rec.spec.lifecycle?.preStop;
    const hadGrace = deadline - Date.now() > 0;
    if (preStop) {
      const failure = await runHook(preStop, this.target(rec, current), this.ref, Math.max(0, deadline - Date.now()), this.stop.signal);
      if (failure) this.event('Warning', 'FailedPreStopHook', failure, rec.fieldPath);
    }
    const grace = Math.max(deadline - Date.now(), hadGrace && preStop ? MIN_STOP_GRACE_MS : 0);
    await this.deps.runtime.stopContainer(current.id, grace);
    const after = this.deps.runtime.inspect(current.id);
    if (after && rec.current?.id === current.id) rec.current = after;
  }

  /** The pod's grace period for kills outside deletion (liveness, postStart failure). */
  private podGraceMs(): number {
    return (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  private async terminate(): Promise<void> {
    const meta = this.pod.metadata ?? {};
    const graceSeconds = meta.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    // The grace period counts from now, when this agent begins terminating (as upstream: the
    // deletion is seen within moments), and covers preStop hooks and the stop alike.
    const deadline = Date.now() + graceSeconds * 1000;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(
      [...this.records.values()].map((rec) => {
        rec.restartPending = false;
        if (rec.waiting?.reason === 'CrashLoopBackOff') rec.waiting = undefined;
        return this.killContainer(rec, deadline, `Stopping container ${rec.name}`);
      }),
    );
    this.finished = true;
    if (!this.deleted) await this.writeStatus();
    await this.deps.runtime.removeSandbox(this.uid);
    this.sandboxReady = false;
    this.deps.ips?.release(this.uid);
    this.deps.backoff.forget(`${this.uid}/`);
    if (!this.deleted) {
      try {
        await this.deps.api.deletePodNow(this.namespace, this.name, this.uid, this.stop.signal);
      } catch (err) {
        // Gone already, or a new pod with the same name: either way not ours to delete.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    this.terminated = true;
    for (const rec of this.records.values()) rec.prober?.close();
    this.deps.events.forget(this.uid);
    if (this.deleted) this.deps.onFinished(this.uid);
  }

  /** The status as it should be now, over `base` (the server's pod: others' conditions stay). */
  private computeStatus(base: PodObject): NonNullable<Pod['status']> {
    const spec = base.spec ?? { containers: [] };
    const hasInit = (spec.initContainers?.length ?? 0) > 0;
    const init = (spec.initContainers ?? []).map((c) => this.record(c, 'init').view('PodInitializing'));
    const initStatuses = init.map(containerStatus);
    const initDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
    const regular = (spec.containers ?? []).map((c) => this.record(c, 'regular').view(hasInit && !initDone ? 'PodInitializing' : 'ContainerCreating'));
    const statuses = regular.map(containerStatus);
    const policy = spec.restartPolicy ?? 'Always';
    const initFailed = policy === 'Never' && initStatuses.some((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
    const phase = podPhase(spec, initStatuses, statuses, { initFailed, terminal: this.finished && this.terminating() });
    if (phase === 'Succeeded' || phase === 'Failed') this.finishPod();
    const hostIP = this.deps.node.address;
    return {
      ...base.status,
      phase,
      conditions: podConditions(base, { sandboxReady: this.sandboxReady, init: initStatuses, regular: statuses, phase }, new Date()),
      hostIP,
      hostIPs: [{ ip: hostIP }],
      ...(this.podIP && { podIP: this.podIP, podIPs: [{ ip: this.podIP }] }),
      startTime: base.status?.startTime ?? metaTime(this.startTime),
      ...(hasInit && { initContainerStatuses: initStatuses }),
      containerStatuses: statuses,
      qosClass: qosClass(spec),
    };
  }

  private terminating(): boolean {
    return this.deleted || this.pod.metadata?.deletionTimestamp !== undefined;
  }

  /** Succeeded or Failed: stop what still runs (a Never pod whose init failed) and restart nothing. */
  private finishPod(): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) clearTimeout(t);
    for (const rec of this.records.values()) {
      rec.restartPending = false;
      if (rec.running) void this.killContainer(rec, Date.now() + this.podGraceMs(), `Stopping container ${rec.name}`);
      else rec.prober?.close();
    }
  }

  private async writeStatus(): Promise<void> {
    let base = this.pod;
    for (let attempt = 0; attempt < STATUS_UPDATE_ATTEMPTS; attempt++) {
      const status = this.computeStatus(base);
      if (jsonEqual(status, this.lastWritten) || jsonEqual(status, base.status)) {
        this.lastWritten = status;
        return;
      }
      try {
        const updated = await this.deps.api.updatePodStatus({ ...base, status }, this.stop.signal);
        this.lastWritten = status;
        if (Number(updated.metadata?.resourceVersion) > Number(this.pod.metadata?.resourceVersion)) this.pod = updated;
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
        const fresh = await this.deps.api.getPod(this.namespace, this.name, this.stop.signal);
        if (!fresh || fresh.metadata?.uid !== this.uid) return;
        base = fresh;
      }
    }
    throw new Error(`could not update the status of pod ${this.namespace}/${this.name}: too many conflicts`);
  }

  private specOf(name: string): { container: Container; kind: ContainerKind } | undefined {
    const init = this.pod.spec?.initContainers?.find((c) => c.name === name);
    if (init) return { container: init, kind: 'init' };
    const regular = this.pod.spec?.containers?.find((c) => c.name === name);
    return regular ? { container: regular, kind: 'regular' } : undefined;
  }

  private record(spec: Container, kind: ContainerKind): ContainerRecord {
    let rec = this.records.get(spec.name);
    if (!rec) {
      rec = new ContainerRecord(spec, kind);
      this.records.set(spec.name, rec);
    }
    rec.spec = spec;
    return rec;
  }

  /** A sync after `ms` (backoff over, retry after an error). */
  private after(ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.kick();
    }, Math.max(0, ms));
    this.timers.add(timer);
  }

  private event(type: EventType, reason: string, message: string, fieldPath?: string): void {
    void this.deps.events.event(this.pod, type, reason, message, { fieldPath, signal: this.stop.signal });
  }
}
