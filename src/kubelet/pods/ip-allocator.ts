/**
 * @module kubelet/pods/ip-allocator
 *
 * Pod IPs from the node's podCIDR (an IPv4 /n): one per pod uid, stable for the pod's life, and
 * released when the pod is gone. The network and broadcast addresses and the first host address
 * (upstream's bridge plugins keep it for the gateway) are never handed out. After an agent
 * restart, `reserve` takes back the IPs the pods already report, so a pod never changes address.
 */

export class PodCIDRExhaustedError extends Error {
  override readonly name = 'PodCIDRExhaustedError';
}

export class IPAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly byUid = new Map<string, number>();
  private readonly used = new Set<number>();
  /** Where the next search starts: a released IP is not reused at once. */
  private cursor = 2;

  constructor(readonly cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new TypeError(`not an IPv4 CIDR: ${cidr}`);
    const bits = Number(m[5]);
    if (bits > 30) throw new TypeError(`pod CIDR ${cidr} is too small`);
    const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    this.size = 2 ** (32 - bits);
    this.base = addr - (addr % this.size);
  }

  /** The pod's IP, allocating one the first time. */
  allocate(uid: string): string {
    const held = this.byUid.get(uid);
    if (held !== undefined) return toIP(this.base + held);
    for (let i = 0; i < this.size - 3; i++) {
      const offset = 2 + ((this.cursor - 2 + i) % (this.size - 3));
      if (this.used.has(offset)) continue;
      this.used.add(offset);
      this.byUid.set(uid, offset);
      this.cursor = offset + 1;
      return toIP(this.base + offset);
    }
    throw new PodCIDRExhaustedError(`no IP addresses available in range set: ${this.cidr}`);
  }

  /** Takes an IP a pod already has (adoption); false if it is outside the range or taken. */
  reserve(uid: string, ip: string): boolean {
    const n = fromIP(ip);
    if (n === undefined) return false;
    const offset = n - this.base;
    if (offset < 2 || offset >= this.size - 1) return false;
    const owner = [...this.byUid].find(([, o]) => o === offset)?.[0];
    if (owner !== undefined) return owner === uid;
    this.release(uid);
    this.used.add(offset);
    this.byUid.set(uid, offset);
    return true;
  }

  release(uid: string): void {
    const offset = this.byUid.get(uid);
    if (offset === undefined) return;
    this.used.delete(offset);
    this.byUid.delete(uid);
  }

  get allocated(): number {
    return this.byUid.size;
  }
}

function toIP(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function fromIP(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}
