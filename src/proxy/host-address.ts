/**
 * @module proxy/host-address
 *
 * Host mode's address plan. In host mode every virtual node shares one network stack, so no
 * node can own a Service's ClusterIP: each node's proxy listens for a Service at an address of
 * its own instead, and the node agent hands that address to the node's pods
 * (`<SVC>_SERVICE_HOST`). Per-node addresses keep per-node routing decisions real: a pod on node
 * 3 reaches node 3's proxy, which applies node 3's topology.
 *
 *     127.0.0.0/16     node addresses (127.0.1.1, 127.0.1.2, ...)
 *     127.64.0.0/12    pod IPs
 *     127.96.0.0/12    Service ClusterIPs (what the API shows; tskube's default range is its first /16)
 *     127.128.0.0/9    per-node Service addresses: 127.(128 + node index).<ClusterIP's low 16 bits>
 *
 * The map is one-to-one for node indexes 0..127 and ClusterIPs that differ in their low 16 bits,
 * which every pair from the API server's default range (127.96.0.0/16) does. A range configured
 * wider could give two ClusterIPs that share their low 16 bits (127.96.0.5 and 127.97.0.5): they
 * land on one address, and the proxy refuses to bind the second Service that also shares a port
 * (it logs why).
 */

export const SERVICE_RANGE = { base: ipv4ToInt('127.96.0.0'), bits: 12 } as const;
export const MAX_HOST_MODE_NODE_INDEX = 127;

export class HostAddressError extends Error {
  override readonly name = 'HostAddressError';
}

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new HostAddressError(`${JSON.stringify(ip)} is not an IPv4 address`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new HostAddressError(`${JSON.stringify(ip)} is not an IPv4 address`);
    n = n * 256 + v;
  }
  return n;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function inRange(ip: number, range: { base: number; bits: number }): boolean {
  const size = 2 ** (32 - range.bits);
  return ip >= range.base && ip < range.base + size;
}

/** The loopback address node `nodeIndex`'s proxy listens on for the Service with `clusterIP`. */
export function hostModeServiceAddress(nodeIndex: number, clusterIP: string): string {
  if (!Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex > MAX_HOST_MODE_NODE_INDEX) {
    throw new HostAddressError(`host mode supports node indexes 0..${MAX_HOST_MODE_NODE_INDEX}, not ${nodeIndex}`);
  }
  const ip = ipv4ToInt(clusterIP);
  if (!inRange(ip, SERVICE_RANGE)) throw new HostAddressError(`ClusterIP ${clusterIP} is outside the host-mode service range 127.96.0.0/12`);
  return `127.${128 + nodeIndex}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/**
 * The node index of a host-mode node address (the fleet numbers node i as
 * 127.0.<1 + ⌊i/250⌋>.<i mod 250>); undefined for any other address.
 */
export function hostModeNodeIndex(nodeAddress: string): number | undefined {
  const m = /^127\.0\.(\d{1,3})\.(\d{1,3})$/.exec(nodeAddress);
  if (!m) return undefined;
  const index = (Number(m[1]) - 1) * 250 + Number(m[2]);
  return index >= 0 && index <= MAX_HOST_MODE_NODE_INDEX ? index : undefined;
}
