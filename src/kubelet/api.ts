/**
 * @module kubelet/api
 *
 * What the node agent needs from the API server, and nothing more: its Node, its status and its
 * Lease. The client library provides it (`clientHeartbeatApi`); tests can too. Every call takes a
 * signal and rejects with the client's typed errors; `closeAllConnections` is the seed-000 fix:
 * after a failed heartbeat the agent drops every connection and dials again.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';

export interface HeartbeatApi {
  getNode(name: string, signal: AbortSignal): Promise<Node | undefined>;
  createNode(node: Node, signal: AbortSignal): Promise<Node>;
  /** Strategic-merge patch of the node's status subresource. */
  patchNodeStatus(name: string, patch: object, signal: AbortSignal): Promise<Node>;
  getLease(namespace: string, name: string, signal: AbortSignal): Promise<Lease | undefined>;
  createLease(lease: Lease, signal: AbortSignal): Promise<Lease>;
  /** PUT, conditional on the lease's resourceVersion. */
  updateLease(lease: Lease, signal: AbortSignal): Promise<Lease>;
  closeAllConnections(): void;
}
