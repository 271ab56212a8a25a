/**
 * @module kubelet/server/lookup
 *
 * What the kubelet API needs from the node agent: which runtime container serves a pod's
 * container (logs, exec, attach), and where a pod's ports are. The pod workers implement it (their
 * `findContainer(namespace, pod, container, {previous})`); tests implement it over a process.
 */
import type { ContainerRuntime } from '../runtime/interface.js';

/** A container to stream from: its runtime and the runtime's id for it. */
export interface ContainerHandle {
  readonly runtime: Pick<ContainerRuntime, 'logs' | 'execStream' | 'attach'>;
  readonly containerId: string;
}

export interface KubeletPodLookup {
  /**
   * The container `name` of pod namespace/pod on this node; with `previous`, the instance that ran
   * before the current one. Undefined when this node has no such pod, container or instance.
   */
  findContainer(namespace: string, pod: string, name: string, options: { readonly previous: boolean }): ContainerHandle | undefined;
  /** The address this node reaches the pod's ports on (host mode: its loopback IP); undefined if unknown. */
  podIP(namespace: string, pod: string): string | undefined;
}
