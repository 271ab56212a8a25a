/**
 * @module proxy/binder
 *
 * Where a node's proxy listens for a Service: the one decision that differs between modes.
 *
 *   host   every virtual node shares the host's network stack, no privileges: the proxy listens
 *          at a node-specific loopback address (host-address.ts); all of 127/8 is already local.
 *   netns  each node runs in its own network namespace (the proxy process itself runs inside
 *          it): the proxy listens at the real ClusterIP, so pods in that namespace connect to
 *          the ClusterIP itself. When the namespace already routes the address locally (the
 *          netns cluster makes the whole service range a `local` route), nothing else is needed;
 *          otherwise the ClusterIP is added as a /32 to a dummy interface (as kube-proxy's IPVS
 *          mode does with kube-ipvs0), which needs CAP_NET_ADMIN and the dummy link type.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hostModeServiceAddress } from './host-address.js';

const run = promisify(execFile);

export interface ServiceBinder {
  readonly mode: 'host' | 'netns';
  /** The address to listen at for a Service with this ClusterIP (throws if it cannot be mapped). */
  addressFor(clusterIP: string): string;
  /** Makes the address bindable; called before the first listener on it. */
  acquire(address: string): Promise<void>;
  /** Called after the last listener on the address closed. */
  release(address: string): Promise<void>;
}

export class HostBinder implements ServiceBinder {
  readonly mode = 'host';
  constructor(private readonly nodeIndex: number) {}
  addressFor(clusterIP: string): string {
    return hostModeServiceAddress(this.nodeIndex, clusterIP);
  }
  async acquire(): Promise<void> {}
  async release(): Promise<void> {}
}

export class NetnsBindError extends Error {
  override readonly name = 'NetnsBindError';
}

/** Netns mode: ClusterIPs as /32s on a dummy interface of the namespace the process runs in. */
export class NetnsBinder implements ServiceBinder {
  readonly mode = 'netns';
  private readonly users = new Map<string, number>();
  /** Addresses this binder put on the dummy interface (and so must take off). */
  private readonly added = new Set<string>();
  private created = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: { readonly interfaceName?: string; readonly ipCommand?: string } = {}) {}

  private get iface(): string {
    return this.options.interfaceName ?? 'tskube-svc0';
  }

  private async ip(...args: string[]): Promise<void> {
    try {
      await run(this.options.ipCommand ?? 'ip', args);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new NetnsBindError(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`, { cause: err });
    }
  }

  addressFor(clusterIP: string): string {
    return clusterIP;
  }

  /** Acquires and releases run one at a time: a Service's TCP and UDP ports share an address. */
  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => {});
    return next;
  }

  acquire(address: string): Promise<void> {
    return this.serial(() => this.acquireNow(address));
  }

  release(address: string): Promise<void> {
    return this.serial(() => this.releaseNow(address));
  }

  private async acquireNow(address: string): Promise<void> {
    const n = this.users.get(address) ?? 0;
    if (n > 0) return void this.users.set(address, n + 1);
    // A namespace that routes the whole service range locally (faults/netns-cluster: `local
    // 10.96.0.0/12 dev lo`) can bind any ClusterIP already; nothing to add or remove then.
    const local = await this.isLocal(address);
    if (!local) {
      if (!this.created) {
        // "File exists" when a previous run left it: fine, it is ours.
        await this.ip('link', 'add', this.iface, 'type', 'dummy').catch((err: Error) => {
          if (!/File exists/.test(err.message)) throw err;
        });
        await this.ip('link', 'set', this.iface, 'up');
        this.created = true;
      }
      await this.ip('addr', 'replace', `${address}/32`, 'dev', this.iface);
      this.added.add(address);
    }
    this.users.set(address, 1);
  }

  private async isLocal(address: string): Promise<boolean> {
    try {
      const { stdout } = await run(this.options.ipCommand ?? 'ip', ['route', 'get', address]);
      return stdout.startsWith('local ');
    } catch {
      return false;
    }
  }

  private async releaseNow(address: string): Promise<void> {
    const n = (this.users.get(address) ?? 0) - 1;
    if (n > 0) return void this.users.set(address, n);
    this.users.delete(address);
    if (!this.added.delete(address)) return;
    await this.ip('addr', 'del', `${address}/32`, 'dev', this.iface).catch(() => {});
  }
}

/**
 * For listeners on the node's own address (NodePorts, health checks): the address is already the
 * node's, in either mode, so there is nothing to acquire or release.
 */
export const NODE_ADDRESS_BINDER: ServiceBinder = {
  mode: 'host',
  addressFor: (ip) => ip,
  acquire: async () => {},
  release: async () => {},
};
