/**
 * @module proxy/select-endpoints
 *
 * Which endpoints of a Service port this node's proxy may send a new connection to. A pure
 * function of the node, the Service and its endpoints, so every rule is a table test. In order:
 *
 *   1. internalTrafficPolicy: Local — only endpoints on this node; none → refuse (upstream drops).
 *   2. spec.topologyKeys (Kubernetes 1.17, KEP-536, seed 001) — try each key in order; the first
 *      key for which some endpoint's node has this node's value for that label wins, and every
 *      endpoint sharing it is a candidate; "*" takes every endpoint; a key this node has no label
 *      for is skipped; when no key matches, refuse, as if the Service had no endpoints.
 *   3. otherwise topology hints (trafficDistribution: PreferClose, topology-mode Auto) — only the
 *      endpoints hinted for this node's zone, but only when every ready endpoint carries hints and
 *      at least one is for this zone; else all (upstream kube-proxy's rule, so a half-hinted
 *      rollout never strands a zone).
 *
 * Throughout, only ready endpoints are used; when the rule leaves none because no endpoint is
 * ready at all, endpoints that are serving and terminating are used instead (upstream's graceful
 * termination fallback), so a rolling update that briefly has only terminating pods still serves.
 */
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import { endpointsForPort } from './endpoints.js';
import {
  LABEL_HOSTNAME,
  LABEL_ZONE,
  TOPOLOGY_KEY_ANY,
  type EndpointSlice,
  type NodeLabelLookup,
  type NodeTopology,
  type Service,
  type ServiceEndpoint,
} from './types.js';

export type Selection =
  | {
      readonly kind: 'endpoints';
      readonly endpoints: readonly ServiceEndpoint[];
      /** Which rule chose them, for logs and tests: "all", "local", "topologyKey=<key>", "hints=<zone>". */
      readonly rule: string;
    }
  | { readonly kind: 'refuse'; readonly reason: string };

export interface SelectEndpointsInput {
  readonly node: NodeTopology;
  readonly service: Service;
  readonly port: ServicePort;
  readonly slices: readonly EndpointSlice[];
  /** Labels of other nodes, for topology keys other than hostname and zone. */
  readonly nodeLabels?: NodeLabelLookup;
}

export function selectEndpoints(input: SelectEndpointsInput): Selection {
  return filterEndpoints({ ...input, endpoints: endpointsForPort(input.slices, input.port) });
}

/**
 * For traffic from outside the cluster arriving at this node's NodePort: externalTrafficPolicy
 * Local allows only this node's endpoints (none → refuse, so a load balancer's health check moves
 * traffic elsewhere); Cluster treats it as cluster traffic.
 */
export function selectExternalEndpoints(input: SelectEndpointsInput): Selection {
  if (input.service.spec?.externalTrafficPolicy !== 'Local') return selectEndpoints(input);
  const local: Service = { ...input.service, spec: { ...input.service.spec, internalTrafficPolicy: 'Local' } };
  const selection = selectEndpoints({ ...input, service: local });
  return selection.kind === 'refuse' ? refuse(`externalTrafficPolicy is Local and node ${input.node.name} has no ready endpoint`) : { ...selection, rule: 'external-local' };
}

export interface FilterEndpointsInput {
  readonly node: NodeTopology;
  readonly service: Service;
  readonly endpoints: readonly ServiceEndpoint[];
  readonly nodeLabels?: NodeLabelLookup;
}

const isReady = (ep: ServiceEndpoint) => ep.ready;
const isServingTerminating = (ep: ServiceEndpoint) => !ep.ready && ep.serving && ep.terminating;

export function filterEndpoints(input: FilterEndpointsInput): Selection {
  const { node, service, endpoints } = input;
  const spec = service.spec ?? {};
  if (endpoints.length === 0) return refuse('the service has no endpoints');

  if (spec.internalTrafficPolicy === 'Local') {
    const local = endpoints.filter((ep) => ep.nodeName === node.name);
    const chosen = usable(local);
    return chosen.length > 0 ? pick(chosen, 'local') : refuse(`internalTrafficPolicy is Local and node ${node.name} has no ready endpoint`);
  }

  const pool = usable(endpoints);
  if (pool.length === 0) return refuse('the service has no ready or serving endpoints');

  const keys = spec.topologyKeys ?? [];
  if (keys.length > 0) return byTopologyKeys(keys, pool, node, input.nodeLabels);

  const zone = node.labels[LABEL_ZONE];
  if (zone !== undefined && zone !== '' && hintsApply(endpoints, zone)) {
    const hinted = pool.filter((ep) => ep.zoneHints.includes(zone));
    if (hinted.length > 0) return pick(hinted, `hints=${zone}`);
  }
  return pick(pool, 'all');
}

/** Ready endpoints, or when none is ready, the serving-and-terminating ones. */
function usable(endpoints: readonly ServiceEndpoint[]): ServiceEndpoint[] {
  const ready = endpoints.filter(isReady);
  return ready.length > 0 ? ready : endpoints.filter(isServingTerminating);
}

/** Upstream's rule: hints count only when every ready endpoint has some and one is for our zone. */
function hintsApply(endpoints: readonly ServiceEndpoint[], zone: string): boolean {
  const ready = endpoints.filter(isReady);
  if (ready.length === 0) return false;
  return ready.every((ep) => ep.zoneHints.length > 0) && ready.some((ep) => ep.zoneHints.includes(zone));
}

function byTopologyKeys(keys: readonly string[], pool: readonly ServiceEndpoint[], node: NodeTopology, nodeLabels: NodeLabelLookup | undefined): Selection {
  for (const key of keys) {
    if (key === TOPOLOGY_KEY_ANY) return pick(pool, `topologyKey=${TOPOLOGY_KEY_ANY}`);
    const mine = nodeValue(node, key);
    if (mine === undefined) continue; // this node has no such label: the key cannot match
    const matching = pool.filter((ep) => endpointValue(ep, key, nodeLabels) === mine);
    if (matching.length > 0) return pick(matching, `topologyKey=${key}`);
  }
  return refuse(`no endpoint matches topologyKeys [${keys.join(', ')}] from node ${node.name}`);
}

function nodeValue(node: NodeTopology, key: string): string | undefined {
  const value = node.labels[key] ?? (key === LABEL_HOSTNAME ? node.name : undefined);
  return value === '' ? undefined : value;
}

/** An endpoint's value of a topology key: hostname from nodeName, zone from the slice, else its Node's labels. */
function endpointValue(ep: ServiceEndpoint, key: string, nodeLabels: NodeLabelLookup | undefined): string | undefined {
  if (key === LABEL_HOSTNAME) return ep.nodeName;
  if (key === LABEL_ZONE && ep.zone !== undefined) return ep.zone;
  if (ep.nodeName === undefined) return undefined;
  return nodeLabels?.(ep.nodeName)?.[key];
}

function pick(endpoints: readonly ServiceEndpoint[], rule: string): Selection {
  return { kind: 'endpoints', endpoints, rule };
}

function refuse(reason: string): Selection {
  return { kind: 'refuse', reason };
}
