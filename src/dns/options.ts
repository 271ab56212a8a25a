/**
 * @module dns/options
 *
 * The DNS server's settings with CoreDNS's defaults, validated in one place (the CLI and tests
 * both go through resolveDnsOptions), and the `host:port` parser shared by --listen and --upstream.
 */
import { isIP } from 'node:net';
import { DnsOptionsError } from './errors.js';
import type { PodMode } from './lookup.js';
import { isValidZone, normalizeName } from './names.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** An unprivileged port, so `tskube dns` runs without root; a pod's resolver is pointed at it explicitly. */
export const DEFAULT_LISTEN = '127.0.0.1:1053';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** CoreDNS kubernetes plugin's default TTL, in seconds. */
export const DEFAULT_TTL = 5;
/** CoreDNS forward plugin's default is 5 s per try; one try of 2 s keeps a stuck upstream from holding clients. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 2_000;
/** A TCP connection with no query this long is closed (RFC 7766 recommends seconds, not minutes). */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000;

export interface DnsSettings {
  readonly listen: HostPort;
  readonly zone: string;
  readonly ttl: number;
  readonly upstream: HostPort | undefined;
  readonly podMode: PodMode;
  readonly upstreamTimeoutMs: number;
  readonly tcpIdleTimeoutMs: number;
}

export interface DnsSettingsInput {
  /** `host:port` (IPv6 in brackets), or the parsed form; port 0 picks a free port. Default 127.0.0.1:1053. */
  readonly listen?: string | HostPort;
  /** Default cluster.local. */
  readonly clusterDomain?: string;
  /** Seconds; default 5. */
  readonly ttl?: number;
  /** `ip[:port]` of a resolver for names outside the cluster zone; default none (such names are REFUSED). */
  readonly upstream?: string;
  /** Default `insecure`, as kubeadm's Corefile (`pods insecure`). */
  readonly podMode?: PodMode;
  readonly upstreamTimeoutMs?: number;
  readonly tcpIdleTimeoutMs?: number;
}

export function resolveDnsSettings(input: DnsSettingsInput): DnsSettings {
  const listen = typeof input.listen === 'object' ? input.listen : parseHostPort(input.listen ?? DEFAULT_LISTEN, { flag: '--listen' });
  if (!isIP(listen.host)) throw new DnsOptionsError(`--listen: ${JSON.stringify(listen.host)} is not an IP address; use e.g. 127.0.0.1:1053 or [::1]:1053.`);
  if (!Number.isInteger(listen.port) || listen.port < 0 || listen.port > 65535) throw new DnsOptionsError(`--listen: port ${listen.port} is out of range 0-65535.`);
  const zone = normalizeName(input.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  if (!isValidZone(zone)) throw new DnsOptionsError(`--cluster-domain: ${JSON.stringify(input.clusterDomain)} is not a domain name; use e.g. cluster.local.`);
  const ttl = input.ttl ?? DEFAULT_TTL;
  // CoreDNS accepts 0..3600 for its ttl option.
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new DnsOptionsError(`--ttl: ${ttl} is not a whole number of seconds from 0 to 3600.`);
  const upstream = input.upstream ? parseHostPort(input.upstream, { flag: '--upstream', defaultPort: 53 }) : undefined;
  if (upstream && (!isIP(upstream.host) || upstream.port === 0)) {
    throw new DnsOptionsError(`--upstream: ${JSON.stringify(input.upstream)} is not ip[:port]; use e.g. 192.0.2.53:53 (no names: the server has no resolver of its own).`);
  }
  const podMode = input.podMode ?? 'insecure';
  if (podMode !== 'insecure' && podMode !== 'disabled') throw new DnsOptionsError(`--pods: ${JSON.stringify(podMode)} is not one of insecure, disabled.`);
  return {
    listen,
    zone,
    ttl,
    upstream,
    podMode,
    upstreamTimeoutMs: input.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    tcpIdleTimeoutMs: input.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS,
  };
}

/**
 * `1.2.3.4:53`, `[fd00::1]:53`, or with a default port `1.2.3.4` and a bare IPv6 address.
 * Throws DnsOptionsError naming the flag.
 */
export function parseHostPort(value: string, options: { flag: string; defaultPort?: number }): HostPort {
  const bad = () => new DnsOptionsError(`${options.flag}: ${JSON.stringify(value)} is not host:port; use e.g. 127.0.0.1:1053 or [::1]:1053.`);
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (isIP(value) === 6) {
    host = value;
  } else {
    const colon = value.lastIndexOf(':');
    host = colon === -1 ? value : value.slice(0, colon);
    portText = colon === -1 ? undefined : value.slice(colon + 1);
  }
  if (host === '' || (portText !== undefined && !/^\d{1,5}$/.test(portText))) throw bad();
  const port = portText === undefined ? options.defaultPort : Number(portText);
  if (port === undefined || port > 65535) throw bad();
  return { host, port };
}

/** `host:port` with IPv6 in brackets, for messages and logs. */
export function formatHostPort(hp: HostPort): string {
  return isIP(hp.host) === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
