/**
 * @module kubelet/server
 *
 * The kubelet API (logs, exec, attach, port-forward) a node agent serves for the API server.
 */
export { startKubeletServer, type KubeletServerOptions, type RunningKubeletServer } from './kubelet-server.js';
export type { ContainerHandle, KubeletPodLookup } from './lookup.js';
export { selfSignedServingCert, type ServingKeyPair } from './serving-cert.js';
