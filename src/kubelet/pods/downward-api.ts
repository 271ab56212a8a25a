/**
 * @module kubelet/pods/downward-api
 *
 * The downward API: a pod's own fields (fieldRef) and a container's resources (resourceFieldRef)
 * as strings, shared by env values and downwardAPI volume files, with upstream's formats.
 */
import type { Container, ObjectFieldSelector, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import type { PodObject } from './api.js';
import { ceilQuantity, parseQuantity } from '../../api/quantity.js';

/** The pod's runtime facts the downward API can report. */
export interface PodRuntimeFacts {
  readonly podIP: string;
  readonly hostIP: string;
  /** The node's allocatable cpu and memory: what an unset limit reports, as upstream. */
  readonly nodeAllocatable: { readonly cpu: string; readonly memory: string };
}

/** A reference the pod's spec makes that cannot be resolved (the API would have rejected it). */
export class DownwardAPIError extends Error {
  override readonly name = 'DownwardAPIError';
}

const LABEL_OR_ANNOTATION = /^metadata\.(labels|annotations)\['(.+)'\]$/;

export function fieldRefValue(pod: PodObject, ref: ObjectFieldSelector, facts: PodRuntimeFacts): string {
  const path = ref.fieldPath;
  const meta = pod.metadata ?? {};
  const keyed = LABEL_OR_ANNOTATION.exec(path);
  if (keyed) {
    const map = keyed[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[keyed[2]!] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    default:
      throw new DownwardAPIError(`unsupported fieldPath: ${path}`);
  }
}

/** As upstream's FormatMap: `key="value"` lines, sorted by key. */
function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}`)
    .join('\n');
}

/**
 * limits.cpu / requests.cpu (rounded up to whole divisors of millicores) and limits.memory /
 * requests.memory / ephemeral-storage (rounded up to whole divisors of bytes). An unset limit
 * reports the node's allocatable, an unset request 0... unless a limit is set, which requests
 * default to, as the API server's defaulting does.
 */
export function resourceFieldRefValue(containers: readonly Container[], ref: ResourceFieldSelector, facts: PodRuntimeFacts): string {
  const container = containers.find((c) => c.name === ref.containerName) ?? containers[0];
  const [kind, resource] = ref.resource.split('.', 2) as [string, string];
  if ((kind !== 'limits' && kind !== 'requests') || !resource) throw new DownwardAPIError(`unsupported container resource: ${ref.resource}`);
  const limits = container?.resources?.limits ?? {};
  const requests = container?.resources?.requests ?? {};
  const allocatable: Record<string, string> = { cpu: facts.nodeAllocatable.cpu, memory: facts.nodeAllocatable.memory, 'ephemeral-storage': '100Gi' };
  const set = kind === 'limits' ? limits[resource] : (requests[resource] ?? limits[resource]);
  const value = set ?? (kind === 'limits' ? allocatable[resource] : '0');
  if (value === undefined) throw new DownwardAPIError(`unsupported container resource: ${ref.resource}`);
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  if (resource === 'cpu') {
    const milli = ceilQuantity(parseQuantity(value) * 1000);
    return String(Math.ceil(milli / ceilQuantity(divisor * 1000)));
  }
  return String(Math.ceil(ceilQuantity(parseQuantity(value)) / divisor));
}
