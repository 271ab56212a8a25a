/**
 * @module kubelet/runtime/interface
 *
 * What the node agent's pod workers need from a container runtime (upstream: the CRI), cut down
 * to what tskube uses. Two runtimes implement it:
 *   - process (default): each container is a local process started from its command/args (or a
 *     built-in image such as tskube/echo), in a per-pod sandbox directory, logs captured to files;
 *   - simulated (like KWOK): containers "run" with no process at all, for scale tests.
 *
 * The pod worker (src/kubelet/pods) owns policy: what to start, restart backoff, probes, hooks,
 * grace periods, the Pod status. A runtime owns mechanism: start a container, signal it, tell when
 * it exited, run a command inside it, keep its logs. Container ids are opaque strings that stay
 * valid across a node agent restart with the same data dir (adoption).
 */
import type { ResolvConf } from '../../api/resolv-conf.js';

/** The pod-level environment every container of a pod shares (upstream: the pod sandbox). */
export interface PodSandboxConfig {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  /** The node's topology.kubernetes.io/zone label (built-in images report it). */
  readonly zone: string;
  /** The pod's IP: containers listen here (host mode: a loopback address). */
  readonly podIP: string;
  readonly hostname: string;
  /** Network namespace to run the pod's processes in (netns mode); absent in host mode. */
  readonly netns?: string;
  /**
   * The pod's resolver configuration (the CRI's DNSConfig): the runtime writes it as the pod's
   * resolv.conf and, where the container has its own mount namespace, mounts it at
   * /etc/resolv.conf. Absent: the container sees the node's.
   */
  readonly dnsConfig?: ResolvConf;
}

/** A file to materialise for a volume mount (configMap, secret, downwardAPI items). */
export interface VolumeFile {
  /** Relative to the volume's root. */
  readonly path: string;
  readonly content: string | Buffer;
  readonly mode?: number;
}

export interface VolumeMount {
  readonly name: string;
  /** The mountPath from the container spec. */
  readonly mountPath: string;
  readonly readOnly?: boolean;
  /** Files the volume holds (empty for a fresh emptyDir). Shared by every container of the pod. */
  readonly files: readonly VolumeFile[];
}

/** A container, fully resolved by the pod worker: env values computed, volumes' files known. */
export interface ContainerConfig {
  readonly name: string;
  readonly image: string;
  /** spec.command (overrides the image's entrypoint); empty = the image's. */
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** Resolved environment: env, envFrom, downward API, service variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly mounts: readonly VolumeMount[];
  /** How many times this container has been restarted in this pod (names its log file). */
  readonly restartCount: number;
  /** spec.stdin: keep a pipe to the container's stdin open for attach sessions (otherwise /dev/null). */
  readonly stdin?: boolean;
  /** spec.stdinOnce: the first attach session that ends its input closes the container's stdin. */
  readonly stdinOnce?: boolean;
  /** spec.tty: recorded only (no pseudo-terminals here); as upstream, stdinOnce never closes a TTY's stdin. */
  readonly tty?: boolean;
}

export type ContainerState =
  | { readonly state: 'running'; readonly startedAt: Date }
  | {
      readonly state: 'exited';
      readonly startedAt: Date;
      readonly finishedAt: Date;
      readonly exitCode: number;
      /** Upstream's reasons: "Completed" (0), "Error", "OOMKilled"... */
      readonly reason: string;
      readonly message?: string;
      /** The signal that ended it, if any (exit code is then 128 + signal number). */
      readonly signal?: string;
    };

export interface RuntimeContainer {
  readonly id: string;
  readonly podUid: string;
  readonly name: string;
  readonly restartCount: number;
  readonly image: string;
  /** Process id on this host (process runtime, while running). */
  readonly pid?: number;
  readonly status: ContainerState;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** True when the command was killed because it outlived its timeout. */
  readonly timedOut: boolean;
}

export interface ExecSession {
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  readonly exited: Promise<number>;
  kill(): void;
}

/**
 * A live view of a running container's stdio (kubectl attach), as containerd's attach gives it:
 * output from the moment of attaching on, never what was written before (that is in the log).
 */
export interface AttachSession {
  /**
   * Writes reach the container's stdin. Present when asked for and the container has stdin.
   * Ending it (the client's EOF) closes the container's stdin when the container has stdinOnce
   * (and no TTY); otherwise it detaches this session, and the container keeps its stdin.
   */
  readonly stdin?: NodeJS.WritableStream;
  /** Both end once the container exited and its output drained, or when this session detaches. */
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /** Ends the session (the client went away); the container keeps running. */
  detach(): void;
}

export interface ResourceUsage {
  /** CPU time used since start, in nanoseconds (rate = difference between two samples). */
  readonly cpuUsageNanoSeconds: number;
  readonly memoryWorkingSetBytes: number;
  readonly sampledAt: Date;
}

export interface LogOptions {
  /** Keep streaming as the container writes (kubectl logs -f) until the signal aborts or it exits. */
  readonly follow?: boolean;
  /** Only the last N lines. */
  readonly tailLines?: number;
  /** Only lines written at or after this time. */
  readonly since?: Date;
  /** Prefix each line with its RFC3339Nano timestamp, as upstream. */
  readonly timestamps?: boolean;
  readonly limitBytes?: number;
  readonly signal?: AbortSignal;
}

/** Raised when a container cannot be created or started; `reason` goes into its waiting state. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  /**
   * Upstream's waiting reasons: "ErrImagePull"/"InvalidImageName" (image tskube cannot run and no
   * command), "CreateContainerConfigError", "CreateContainerError", "RunContainerError".
   */
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** No container with this id on this node (never started, or its sandbox was removed). */
export class ContainerNotFoundError extends Error {
  override readonly name = 'ContainerNotFoundError';
  constructor(readonly id: string) {
    super(`container "${id}" not found`);
  }
}

/** exec/execStream/attach on a container that is not running (upstream: "container not running"). */
export class ContainerNotRunningError extends Error {
  override readonly name = 'ContainerNotRunningError';
  constructor(readonly id: string) {
    super(`container "${id}" is not running`);
  }
}

export interface ContainerRuntime {
  /** "process" or "simulated"; reported as the node's containerRuntimeVersion scheme. */
  readonly kind: string;

  /** Prepares the pod's sandbox (directories, network namespace binding). Idempotent. */
  createSandbox(sandbox: PodSandboxConfig): Promise<void>;
  /** Stops whatever still runs in the sandbox (SIGKILL) and deletes its files. Idempotent. */
  removeSandbox(podUid: string): Promise<void>;

  /** Starts a container; resolves once it runs. Throws ContainerStartError with upstream's reason. */
  startContainer(sandbox: PodSandboxConfig, config: ContainerConfig): Promise<RuntimeContainer>;
  /**
   * SIGTERM, then SIGKILL after gracePeriodMs if it has not exited; resolves once it exited.
   * A grace period of 0 kills at once.
   */
  stopContainer(id: string, gracePeriodMs: number): Promise<void>;
  /** Forgets an exited container (its logs stay until the sandbox is removed). */
  removeContainer(id: string): Promise<void>;

  /** Every container this runtime knows on this node, including those of a previous agent run. */
  listContainers(): Promise<RuntimeContainer[]>;
  /** Current state of one container, undefined if unknown. */
  inspect(id: string): RuntimeContainer | undefined;
  /** Called whenever a container exits (listener is removed by the returned function). */
  onExit(listener: (container: RuntimeContainer) => void): () => void;

  /**
   * Runs a command inside the container's environment (exec probes, exec hooks, kubectl exec).
   * Rejects with ContainerNotFoundError / ContainerNotRunningError (execStream and logs throw the
   * same: logs only for an unknown id).
   */
  exec(id: string, command: readonly string[], options: { timeoutMs: number; stdin?: Buffer }): Promise<ExecResult>;

  /**
   * Runs a command inside the container with live streams (kubectl exec, port-forward helpers).
   * The caller ends stdin when its client does; `exited` resolves with the exit code.
   */
  execStream(id: string, command: readonly string[]): ExecSession;

  /**
   * Attaches to a running container's stdio (kubectl attach, kubectl run -i). Throws
   * ContainerNotFoundError / ContainerNotRunningError.
   */
  attach(id: string, options: { readonly stdin: boolean }): AttachSession;

  /** The container's log, stdout and stderr interleaved, as kubectl logs shows it. */
  logs(id: string, options: LogOptions): AsyncIterable<Buffer>;

  /** CPU and memory from /proc (process runtime); simulated returns zeros. */
  usage(id: string): Promise<ResourceUsage | undefined>;

  /** Stops every container (SIGKILL) — for `tskube down` and tests; no process left behind. */
  close(): Promise<void>;
}
