/**
 * @module api/resolv-conf
 *
 * The /etc/resolv.conf a pod with dnsPolicy ClusterFirst gets, as the kubelet writes it: the
 * cluster DNS service as nameserver, the search path `<ns>.svc.<zone> svc.<zone> <zone>` (so
 * `web` and `web.other` resolve from inside a namespace) followed by the host's own search
 * domains, and `options ndots:5` (a name with fewer than five dots is tried against the search
 * path first: `web.other.svc` must not go to the internet before the cluster). The pod's
 * spec.dnsConfig is merged in as upstream does: nameservers and searches appended, options
 * overriding by name. Limits are upstream's: 3 nameservers, 32 search domains of 2048 bytes total.
 *
 * Shared API-level logic: the node agent computes and writes it (src/kubelet), the cluster DNS
 * documents it (src/dns re-exports it); neither component imports the other.
 */
export interface PodDnsConfigOption {
  readonly name: string;
  readonly value?: string;
}

export interface ResolvConfInput {
  readonly namespace: string;
  /** Default cluster.local. */
  readonly clusterDomain?: string;
  /** The cluster DNS service's address(es). */
  readonly nameservers: readonly string[];
  /** The node's own search domains (appended after the cluster's). */
  readonly hostSearches?: readonly string[];
  /** The pod's spec.dnsConfig. */
  readonly dnsConfig?: { readonly nameservers?: readonly string[]; readonly searches?: readonly string[]; readonly options?: readonly PodDnsConfigOption[] };
}

export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_DOMAINS = 32;
export const MAX_SEARCH_LENGTH = 2048;
export const DEFAULT_NDOTS = 5;

export interface ResolvConf {
  readonly nameservers: string[];
  readonly searches: string[];
  readonly options: PodDnsConfigOption[];
}

/** The resolver configuration of a ClusterFirst pod. */
export function podResolvConf(input: ResolvConfInput): ResolvConf {
  const zone = (input.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const nameservers = unique([...input.nameservers, ...(input.dnsConfig?.nameservers ?? [])]).slice(0, MAX_NAMESERVERS);
  const searches: string[] = [];
  let length = 0;
  for (const domain of unique([`${input.namespace}.svc.${zone}`, `svc.${zone}`, zone, ...(input.hostSearches ?? []), ...(input.dnsConfig?.searches ?? [])])) {
    const d = domain.replace(/\.$/, '');
    if (d === '' || searches.length >= MAX_SEARCH_DOMAINS || length + d.length + (searches.length > 0 ? 1 : 0) > MAX_SEARCH_LENGTH) continue;
    length += d.length + (searches.length > 0 ? 1 : 0);
    searches.push(d);
  }
  const options = new Map<string, PodDnsConfigOption>([['ndots', { name: 'ndots', value: String(DEFAULT_NDOTS) }]]);
  for (const option of input.dnsConfig?.options ?? []) options.set(option.name, option);
  return { nameservers, searches, options: [...options.values()] };
}

/** resolv.conf text, in the order pods see it: search, nameserver lines, options. */
export function renderResolvConf(conf: ResolvConf | ResolvConfInput): string {
  const c = 'searches' in conf ? conf : podResolvConf(conf);
  const lines: string[] = [];
  if (c.searches.length > 0) lines.push(`search ${c.searches.join(' ')}`);
  for (const ns of c.nameservers) lines.push(`nameserver ${ns}`);
  if (c.options.length > 0) lines.push(`options ${c.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
