/**
 * @module kubelet/pods/dns
 *
 * A pod's DNS configuration, as upstream's kubelet computes it (pkg/kubelet/network/dns) and
 * hands it to the runtime in the pod sandbox config (the CRI's DNSConfig); the runtime writes it
 * as the pod's /etc/resolv.conf.
 *
 *   dnsPolicy                 pod                what it gets
 *   ClusterFirst (default)    not hostNetwork    cluster DNS (--cluster-dns), search path of the
 *                                                pod's namespace, ndots:5 (api/resolv-conf.ts)
 *   ClusterFirst              hostNetwork        the node's own resolv.conf ("Default")
 *   ClusterFirstWithHostNet   any                cluster DNS
 *   Default                   any                the node's own resolv.conf
 *   None                      any                only spec.dnsConfig
 *
 * spec.dnsConfig is merged into every case. A node with no --cluster-dns gives ClusterFirst pods
 * the node's resolv.conf and a MissingClusterDNS warning, as upstream does. "The node's own
 * resolv.conf" needs no file of its own: the pod inherits the node's /etc, so `undefined` is
 * returned when nothing is to be merged into it.
 */
import { readFileSync } from 'node:fs';
import type { Pod, PodDNSConfig } from 'kubernetes-types/core/v1.js';
import { MAX_NAMESERVERS, podResolvConf, type PodDnsConfigOption, type ResolvConf } from '../../api/resolv-conf.js';

/** The kubelet's `--cluster-dns` and `--cluster-domain`. */
export interface ClusterDnsSettings {
  /** The cluster DNS Service's address(es); empty: no cluster DNS. */
  readonly clusterDNS: readonly string[];
  /** Default cluster.local. */
  readonly clusterDomain?: string;
}

export interface PodDnsDecision {
  /** What the pod's /etc/resolv.conf says; undefined: the node's own, unchanged. */
  readonly conf: ResolvConf | undefined;
  /** Upstream's MissingClusterDNS warning, when a ClusterFirst pod falls back to the node's DNS. */
  readonly warning?: string;
}

/** Parses the lines of a resolv.conf a pod's configuration is built from (the node's). */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [keyword, ...fields] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword === 'nameserver' && fields[0]) conf.nameservers.push(fields[0]);
    // The last search (or domain) line wins, as in the resolver.
    else if (keyword === 'search' || keyword === 'domain') conf.searches.splice(0, conf.searches.length, ...fields);
    else if (keyword === 'options') {
      for (const f of fields) {
        const [name = '', value] = f.split(':');
        conf.options.push(value === undefined ? { name } : { name, value });
      }
    }
  }
  return conf;
}

/** The node's resolv.conf (upstream's --resolv-conf, default /etc/resolv.conf); empty if unreadable. */
export function readHostResolvConf(path = '/etc/resolv.conf'): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { nameservers: [], searches: [], options: [] };
  }
}

export function podDnsConfig(pod: Pod, settings: ClusterDnsSettings, host: ResolvConf): PodDnsDecision {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const extra = spec.dnsConfig;
  const namespace = pod.metadata?.namespace ?? 'default';
  const wantsCluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec.hostNetwork);
  if (wantsCluster && settings.clusterDNS.length > 0) {
    return {
      conf: podResolvConf({
        namespace,
        ...(settings.clusterDomain && { clusterDomain: settings.clusterDomain }),
        nameservers: settings.clusterDNS,
        hostSearches: host.searches,
        ...(extra && { dnsConfig: { ...extra, options: options(extra.options) } }),
      }),
    };
  }
  if (policy === 'None') {
    return { conf: merge({ nameservers: [], searches: [], options: [] }, extra) };
  }
  const warning = wantsCluster
    ? `pod: "${pod.metadata?.name}_${namespace}(${pod.metadata?.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "${policy}" policy. Falling back to "Default" policy.`
    : undefined;
  // Default (or the fallback): the node's own configuration, rewritten only to merge dnsConfig.
  return { conf: extra ? merge(host, extra) : undefined, ...(warning && { warning }) };
}

function merge(base: ResolvConf, extra: PodDNSConfig | undefined): ResolvConf {
  const nameservers = [...new Set([...base.nameservers, ...(extra?.nameservers ?? [])])].slice(0, MAX_NAMESERVERS);
  const searches = [...new Set([...base.searches, ...(extra?.searches ?? [])])];
  const byName = new Map(base.options.map((o) => [o.name, o]));
  for (const o of options(extra?.options)) byName.set(o.name, o);
  return { nameservers, searches, options: [...byName.values()] };
}

function options(list: readonly { name?: string; value?: string }[] | undefined): PodDnsConfigOption[] {
  return (list ?? []).filter((o) => o.name).map((o) => (o.value === undefined ? { name: o.name! } : { name: o.name!, value: o.value }));
}
