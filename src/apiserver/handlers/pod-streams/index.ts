/**
 * @module apiserver/handlers/pod-streams
 *
 * The pod subresources served by a node's kubelet: log (a streamed GET), exec, attach and
 * portforward (connection upgrades proxied to the kubelet).
 */
export { KubeletClient, KUBELET_CLIENT_COMMON_NAME, type KubeletLocation } from './kubelet-client.js';
export { handlePodLog } from './pod-log.js';
export { proxyPodUpgrade, rejectUpgrade, STREAMING_SUBRESOURCES, type UpgradeDeps } from './upgrade-proxy.js';
