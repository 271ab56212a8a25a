/**
 * @module kubelet/pods/lookup
 *
 * What the kubelet HTTP server (logs, exec, port-forward) and metrics need from the pod side.
 * `PodManager` implements it.
 *
 *   findContainer(namespace, pod, container, { previous }) — the runtime container serving
 *   `kubectl logs/exec` for that pod's container: its current run, or with `previous` the run
 *   before it (during a crash-loop backoff that is the run that just exited, as upstream's
 *   `logs --previous`). undefined when the pod is not on this node, the container name is not in
 *   its spec, or it never ran. Pass the returned id to `runtime.logs/exec/execStream`.
 */
import type { ContainerRuntime, RuntimeContainer } from '../runtime/interface.js';

export interface PodUsage {
  /** Total CPU time of the pod's running containers, nanoseconds. */
  readonly cpuUsageNanoSeconds: number;
  /** CPU rate over the last sampling interval, in nanocores (1e9 = one core). */
  readonly cpuUsageNanoCores: number;
  readonly memoryWorkingSetBytes: number;
  readonly sampledAt: Date;
}

export interface ContainerLookup {
  /** The node's runtime, for logs/exec/execStream on a container found here. */
  readonly runtime: ContainerRuntime;
  findContainer(namespace: string, pod: string, container: string, options?: { previous?: boolean }): RuntimeContainer | undefined;
  /** The pod's IP on this node, once it has one. */
  podIP(namespace: string, pod: string): string | undefined;
  /** The pod's last sampled usage (every ~10 s), undefined before the first sample. */
  podUsage(namespace: string, name: string): PodUsage | undefined;
}
