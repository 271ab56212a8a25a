/**
 * @module dns/names
 *
 * Domain names as the cluster zone sees them: normalising (case-insensitive, no trailing dot),
 * splitting a name in the zone into the parts of the Kubernetes DNS schema
 * (`[_port._proto.|endpoint.]service.namespace.svc.zone`, `pod-ip.namespace.pod.zone`), and the
 * reverse names of addresses (`d.c.b.a.in-addr.arpa`, nibbles under `ip6.arpa`).
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';

/** Lower-case, without the trailing dot: the form every comparison uses (the spec is case-insensitive). */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** True if `name` is `zone` or a name below it (both normalised). */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** The labels of `name` left of `zone` (both normalised), e.g. ["web", "default", "svc"]. */
export function labelsBelow(name: string, zone: string): string[] {
  if (name === zone) return [];
  return name.slice(0, name.length - zone.length - 1).split('.');
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A domain name usable as the cluster zone: DNS-1123 labels, at most 253 characters. */
export function isValidZone(zone: string): boolean {
  return zone.length > 0 && zone.length <= 253 && zone.split('.').every((l) => l.length <= 63 && LABEL.test(l));
}

/** What a name below the cluster zone asks for, per the schema. */
export type ClusterName =
  /** The zone itself, `svc.<zone>` or `pod.<zone>`: exists, holds no address. */
  | { readonly kind: 'apex' }
  /** `dns-version.<zone>`: the schema version TXT record. */
  | { readonly kind: 'dns-version' }
  /** `<ns>.svc.<zone>` and below. Absent parts were not in the name. */
  | {
      readonly kind: 'service';
      readonly namespace: string;
      readonly service?: string;
      /** The left-most label of `<endpoint>.<svc>.<ns>.svc.<zone>`. */
      readonly endpoint?: string;
      /** `_<port>._<proto>.<svc>...`, without the underscores. */
      readonly port?: string;
      readonly protocol?: string;
    }
  /** `<ns>.pod.<zone>` and `<dashed-ip>.<ns>.pod.<zone>`. */
  | { readonly kind: 'pod'; readonly namespace: string; readonly pod?: string }
  /** Anything else under the zone: does not exist. */
  | { readonly kind: 'invalid' };

/** Parses the labels below the zone (see labelsBelow), right to left as the schema nests. */
export function parseClusterName(labels: readonly string[]): ClusterName {
  const n = labels.length;
  if (n === 0) return { kind: 'apex' };
  const space = labels[n - 1];
  if (n === 1) {
    if (space === 'svc' || space === 'pod') return { kind: 'apex' };
    if (space === 'dns-version') return { kind: 'dns-version' };
    return { kind: 'invalid' };
  }
  const namespace = labels[n - 2]!;
  if (space === 'pod') {
    if (n === 2) return { kind: 'pod', namespace };
    if (n === 3) return { kind: 'pod', namespace, pod: labels[0]! };
    return { kind: 'invalid' };
  }
  if (space !== 'svc') return { kind: 'invalid' };
  if (n === 2) return { kind: 'service', namespace };
  const service = labels[n - 3]!;
  if (n === 3) return { kind: 'service', namespace, service };
  if (n === 4) return { kind: 'service', namespace, service, endpoint: labels[0]! };
  if (n === 5) return { kind: 'service', namespace, service, port: stripUnderscore(labels[0]!), protocol: stripUnderscore(labels[1]!) };
  // Deeper names are not part of the schema.
  return { kind: 'invalid' };
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

/**
 * One spelling per address, so that an address from a query and one from an object compare equal
 * ("FD00:0::1" and "fd00::1" are the same address). IPv6 goes through the URL parser, which
 * prints the RFC 5952 form.
 */
export function canonicalIP(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return undefined;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The endpoint hostname CoreDNS and kube-dns derive from an address: dots or colons become dashes. */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

/** The inverse of dashedIP for pod names (`10-0-0-1`, `fd00--1`); undefined if it is no address. */
export function ipFromDashed(label: string): string | undefined {
  const v4 = label.split('-').length === 4 && !label.includes('--');
  const ip = v4 ? label.replace(/-/g, '.') : label.replace(/-/g, ':');
  return isIP(ip) ? canonicalIP(ip) : undefined;
}

export const REVERSE_V4_ZONE = 'in-addr.arpa';
export const REVERSE_V6_ZONE = 'ip6.arpa';

/** True for names in either reverse zone (normalised). */
export function isReverseName(name: string): boolean {
  return inZone(name, REVERSE_V4_ZONE) || inZone(name, REVERSE_V6_ZONE);
}

/** The address a full reverse name stands for, or undefined (a partial or malformed name). */
export function ipFromReverseName(name: string): string | undefined {
  if (inZone(name, REVERSE_V4_ZONE)) {
    const labels = labelsBelow(name, REVERSE_V4_ZONE);
    if (labels.length !== 4 || !labels.every((l) => /^\d{1,3}$/.test(l))) return undefined;
    const ip = labels.reverse().join('.');
    return isIPv4(ip) ? ip : undefined;
  }
  if (inZone(name, REVERSE_V6_ZONE)) {
    const nibbles = labelsBelow(name, REVERSE_V6_ZONE);
    if (nibbles.length !== 32 || !nibbles.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g)!;
    return canonicalIP(groups.join(':'));
  }
  return undefined;
}

/** The reverse name of an address (for PTR questions), e.g. 10.96.0.1 → 1.0.96.10.in-addr.arpa. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.${REVERSE_V4_ZONE}`;
  if (!isIPv6(ip)) throw new TypeError(`${ip} is not an IP address`);
  const full = expandIPv6(canonicalIP(ip)!);
  return `${full.replace(/:/g, '').split('').reverse().join('.')}.${REVERSE_V6_ZONE}`;
}

function expandIPv6(ip: string): string {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
