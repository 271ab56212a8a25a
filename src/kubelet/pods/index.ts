/**
 * @module kubelet/pods
 *
 * The node agent's pod lifecycle: `PodManager` (informer + one serialized worker per pod) and
 * `ContainerLookup` (findContainer / podUsage, for the kubelet HTTP server and metrics).
 */
export { PodManager, type PodManagerOptions } from './manager.js';
export type { ContainerLookup, PodUsage } from './lookup.js';
export type { PodApi, PodObject } from './api.js';
export type { CrashLoopBackoffOptions } from './backoff.js';
export { clusterIPServiceHost, type ServiceHostFn } from './service-env.js';
export type { NodeFacts } from './worker.js';
