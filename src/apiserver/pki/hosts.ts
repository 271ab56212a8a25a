/**
 * @module apiserver/pki/hosts
 *
 * The subject alternative names of the serving certificate. Clients verify the server against
 * these (Go and node ignore the CN), so every name a client may dial must be here: loopback for
 * local tools, the in-cluster `kubernetes.default.svc…` names for pods, and the operator's hosts.
 */
import { isIP } from 'node:net';
import { pkiErrors } from './errors.js';

/** Always in the serving certificate, as in kube-apiserver's self-signed and kubeadm's certs. */
export const DEFAULT_SERVING_HOSTS: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '::1',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

export interface SubjectAltNames {
  /** Lower-case DNS names; a leading `*.` is a wildcard. */
  readonly dnsNames: readonly string[];
  /** IP addresses in canonical form (IPv6 compressed and lower-case). */
  readonly ipAddresses: readonly string[];
}

/** The defaults plus `hosts`, validated, canonicalised and de-duplicated, in first-seen order. */
export function servingSubjectAltNames(hosts: readonly string[]): SubjectAltNames {
  const dnsNames = new Set<string>();
  const ipAddresses = new Set<string>();
  for (const host of [...DEFAULT_SERVING_HOSTS, ...hosts]) {
    const ip = parseIpAddress(host);
    if (ip !== undefined) ipAddresses.add(ip);
    else dnsNames.add(parseDnsName(host));
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

/** Canonical text of an IP address (brackets allowed around IPv6), or undefined if `host` is none. */
export function parseIpAddress(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family !== 6) return undefined;
  // A zone ("fe80::1%eth0") only means something on one machine and cannot go into a SAN.
  if (bare.includes('%')) throw pkiErrors.invalidHost(host, 'IPv6 zone identifiers cannot be certified');
  // The URL parser is node's IPv6 canonicaliser: "0:0::1" and "::1" must compare equal.
  return new URL(`https://[${bare}]/`).hostname.slice(1, -1);
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function parseDnsName(host: string): string {
  const name = host.toLowerCase();
  if (name === '') throw pkiErrors.invalidHost(host, 'empty');
  if (name.length > 253) throw pkiErrors.invalidHost(host, 'longer than 253 characters');
  if (name.includes('://') || name.includes('/')) {
    throw pkiErrors.invalidHost(host, 'expected a host name or IP address, not a URL');
  }
  if (name.includes(':')) throw pkiErrors.invalidHost(host, 'expected a host name or IP address without a port');
  const labels = name.split('.');
  // A wildcard covers exactly one leftmost label and must sit above at least two labels
  // ("*.example.com"), which is all Go and OpenSSL will match anyway.
  const checked = labels[0] === '*' ? labels.slice(1) : labels;
  if (labels[0] === '*' && checked.length < 2) throw pkiErrors.invalidHost(host, 'wildcard too broad');
  for (const label of checked) {
    if (!DNS_LABEL.test(label)) {
      throw pkiErrors.invalidHost(host, 'not a valid DNS name (RFC 1123 labels: a-z, 0-9 and "-")');
    }
  }
  return name;
}
