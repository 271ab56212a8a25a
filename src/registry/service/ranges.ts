/**
 * @module registry/service/ranges
 *
 * The two ranges Services draw from: the service cluster IP range (an IPv4 CIDR, as the API
 * server's `--service-cluster-ip-range`) and the node port range (`--service-node-port-range`,
 * 30000-32767 by default). Both are seen the same way by the allocator: `size` values, addressed
 * by offset, with a lower "static" band that dynamic allocation uses only when the rest is full,
 * so that addresses and ports people pick by hand (the `kubernetes` Service's first address, a
 * documented node port) are rarely taken by chance (upstream's KEP-3070 / KEP-3668 bands).
 */
import { isIPv4 } from 'node:net';

/** A contiguous set of allocatable values, addressed by offset 0..size-1. */
export interface AllocationRange<T extends string | number> {
  readonly size: number;
  /** Offsets below this are the static band: used by dynamic allocation only when the rest is full. */
  readonly staticBandSize: number;
  valueAt(offset: number): T;
  /** The offset of `value`, or undefined when it is outside the range. */
  offsetOf(value: T): number | undefined;
  /** How upstream names the range in "not in the valid range" messages: `10.96.0.0/12`, `30000-32767`. */
  readonly description: string;
}

/** A range that cannot be used (bad CIDR, IPv6, too small): the API server refuses to start. */
export class InvalidRangeError extends Error {
  override readonly name = 'InvalidRangeError';
}

export function ipv4ToNumber(ip: string): number | undefined {
  if (!isIPv4(ip)) return undefined;
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * The usable addresses of an IPv4 CIDR: the network address is never handed out, nor the
 * broadcast address, as upstream's IPv4 allocator does. Offset 0 is network+1: the address the
 * `kubernetes` Service gets.
 */
export class ServiceIPRange implements AllocationRange<string> {
  readonly size: number;
  readonly staticBandSize: number;
  readonly description: string;
  private readonly base: number;

  constructor(cidr: string) {
    const [address, bitsText, ...rest] = cidr.split('/');
    const bits = Number(bitsText);
    const start = address === undefined ? undefined : ipv4ToNumber(address);
    if (rest.length > 0 || start === undefined || !/^\d{1,2}$/.test(bitsText ?? '') || bits > 32) {
      throw new InvalidRangeError(`service cluster IP range ${JSON.stringify(cidr)} is not an IPv4 CIDR (tskube serves IPv4 single-stack only), e.g. 10.96.0.0/12`);
    }
    if (bits > 30) throw new InvalidRangeError(`service cluster IP range ${cidr} is too small: it needs at least 2 usable addresses (/30 or larger)`);
    if (bits < 12) throw new InvalidRangeError(`service cluster IP range ${cidr} is too large: at most /12 (1,048,576 addresses), as upstream allows`);
    const hostBits = 32 - bits;
    const network = start - (start % 2 ** hostBits);
    this.base = network + 1;
    this.size = 2 ** hostBits - 2;
    // Upstream: min(max(16, size/16), 256).
    this.staticBandSize = Math.min(Math.max(16, Math.floor(this.size / 16)), 256, this.size);
    this.description = `${numberToIPv4(network)}/${bits}`;
  }

  valueAt(offset: number): string {
    return numberToIPv4(this.base + offset);
  }

  offsetOf(ip: string): number | undefined {
    const n = ipv4ToNumber(ip);
    if (n === undefined) return undefined;
    const offset = n - this.base;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }
}

/** `30000-32767` (or a single port); both ends included, as upstream's `--service-node-port-range`. */
export class NodePortRange implements AllocationRange<number> {
  readonly size: number;
  readonly staticBandSize: number;
  readonly description: string;
  readonly base: number;

  constructor(spec: string) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
    const first = Number(match?.[1]);
    const last = match?.[2] === undefined ? first : Number(match[2]);
    if (!match || first < 1 || last > 65535 || last < first) {
      throw new InvalidRangeError(`service node port range ${JSON.stringify(spec)} is not a port range such as 30000-32767`);
    }
    this.base = first;
    this.size = last - first + 1;
    // Upstream: min(max(16, size/32), 128).
    this.staticBandSize = Math.min(Math.max(16, Math.floor(this.size / 32)), 128, this.size);
    this.description = `${first}-${last}`;
  }

  valueAt(offset: number): number {
    return this.base + offset;
  }

  offsetOf(port: number): number | undefined {
    const offset = port - this.base;
    return Number.isInteger(offset) && offset >= 0 && offset < this.size ? offset : undefined;
  }
}

/**
 * tskube's default service range. Upstream's is 10.96.0.0/12, but on a laptop without
 * privileges nothing may add those addresses to an interface; every 127.0.0.0/8 address already
 * answers on loopback on Linux, so a proxy without privileges can listen on a service IP from
 * this range. It is a /16 (65,534 Services) rather than a /12 because host mode gives each node
 * its own copy of the range (src/proxy/host-address.ts maps a ClusterIP's low 16 bits into the
 * node's block): in a /16 no two Services share those bits. Clusters in network namespaces pass
 * 10.96.0.0/12.
 */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '127.96.0.0/16';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';
