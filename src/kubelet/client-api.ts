/**
 * @module kubelet/client-api
 *
 * The node agent's HeartbeatApi and PodApi over the tskube client library. Each agent gets its
 * own client, so its own connection: one node's dead connection is that node's problem alone.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ConfigMap, Node, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { isNotFound, listWatchFor, restEventSink, type RestClient } from '../client/index.js';
import type { HeartbeatApi } from './api.js';
import type { PodApi, PodObject } from './pods/api.js';

type NodeObj = Node & KubeObject;

/** Calls to closeAllConnections closer together than this close only once. */
const CLOSE_DEBOUNCE_MS = 500;
type LeaseObj = Lease & KubeObject;

/** The object, or undefined where the API server says 404. */
async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function clientHeartbeatApi(client: RestClient): HeartbeatApi {
  const nodes = client.resource<NodeObj>('', 'v1', 'nodes');
  const leases = client.resource<LeaseObj>('coordination.k8s.io', 'v1', 'leases');
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

/** The pod workers' API: pods on one node, what their containers refer to, status, events. */
export function clientPodApi(client: RestClient): PodApi {
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const configMaps = client.resource<ConfigMap & KubeObject>('', 'v1', 'configmaps');
  const secrets = client.resource<Secret & KubeObject>('', 'v1', 'secrets');
  const services = client.resource<Service & KubeObject>('', 'v1', 'services');
  return {
    podsOnNode: (nodeName) => listWatchFor(pods, { fieldSelector: `spec.nodeName=${nodeName}` }),
    getPod: (namespace, name, signal) => orUndefined(pods.get(name, { namespace, signal })),
    updatePodStatus: (pod, signal) => pods.updateStatus(pod, { signal }),
    deletePodNow: async (namespace, name, uid, signal) => {
      await pods.delete(name, { namespace, gracePeriodSeconds: 0, preconditions: { uid }, signal });
    },
    getConfigMap: (namespace, name, signal) => orUndefined(configMaps.get(name, { namespace, signal })),
    getSecret: (namespace, name, signal) => orUndefined(secrets.get(name, { namespace, signal })),
    listServices: async (namespace, signal) => (await services.list({ namespace, signal })).items,
    getService: (namespace, name, signal) => orUndefined(services.get(name, { namespace, signal })),
    events: restEventSink(client),
  };
}
