/**
 * @module kubelet/client-api
 *
 * The node agent's HeartbeatApi over the tskube client library. Each agent gets its own client,
 * so its own connection: one node's dead connection is that node's problem alone.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { isNotFound, type RestClient } from '../client/index.js';
import type { HeartbeatApi } from './api.js';

type NodeObj = Node & KubeObject;

/** Calls to closeAllConnections closer together than this close only once. */
const CLOSE_DEBOUNCE_MS = 500;
type LeaseObj = Lease & KubeObject;

export function clientHeartbeatApi(client: RestClient): HeartbeatApi {
  const nodes = client.resource<NodeObj>('', 'v1', 'nodes');
  const leases = client.resource<LeaseObj>('coordination.k8s.io', 'v1', 'leases');
  const orUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  let lastClosedAt = 0;
  return {
    getNode: (name, signal) => orUndefined(nodes.get(name, { signal })),
    createNode: (node, signal) => nodes.create(node as NodeObj, { signal }),
    patchNodeStatus: (name, patch, signal) => nodes.patch(name, 'strategic', patch, { subresource: 'status', signal }),
    getLease: (namespace, name, signal) => orUndefined(leases.get(name, { namespace, signal })),
    createLease: (lease, signal) => leases.create(lease as LeaseObj, { namespace: lease.metadata?.namespace ?? 'kube-node-lease', signal }),
    updateLease: (lease, signal) => leases.update(lease as LeaseObj, { namespace: lease.metadata?.namespace ?? 'kube-node-lease', signal }),
    closeAllConnections: () => {
      // The lease and status loops share this client and may both give up within moments: the
      // second call must not kill the connection the first one just dialled.
      if (Date.now() - lastClosedAt < CLOSE_DEBOUNCE_MS) return;
      lastClosedAt = Date.now();
      client.transport.closeAllConnections('heartbeat failed repeatedly');
    },
  };
}
