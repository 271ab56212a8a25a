/**
 * @module registry/service/allocation
 *
 * The Service store's write hooks (upstream's service REST beginCreate/beginUpdate/afterDelete):
 * before a Service is written, reserve its cluster IP and node ports — the ones the client asked
 * for, or free ones — and write them into the object; after the write, keep them (and free what
 * an update gave up) or undo the reservations if the write did not happen. Deleting a Service
 * frees everything it held.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { StoredObject } from '../../api/object.js';
import { apiErrors } from '../../api/errors.js';
import { fieldErrors, fieldPath, goStringSlice, type FieldError } from '../../api/validation/field-errors.js';
import { CLUSTER_IP_NONE } from '../../api/validation/service.js';
import type { Logger } from '../../log.js';
import type { KV } from '../../storage/interface.js';
import type { WriteCompletion, WriteHooks } from '../store.js';
import { ALLOCATION_PREFIX, AllocationError, RangeAllocator, type AllocationOwner } from './allocator.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE, NodePortRange, ServiceIPRange } from './ranges.js';
import { needsClusterIP, needsHealthCheckNodePort, needsNodePorts } from './strategy.js';

export interface ServiceAllocationOptions {
  /** `--service-cluster-ip-range`; default 127.96.0.0/16 (see ranges.ts for why not 10.96.0.0/12). */
  readonly serviceClusterIPRange?: string;
  /** `--service-node-port-range`; default 30000-32767. */
  readonly serviceNodePortRange?: string;
}

export const SERVICE_IPS_PREFIX = `${ALLOCATION_PREFIX}serviceips/`;
export const SERVICE_NODE_PORTS_PREFIX = `${ALLOCATION_PREFIX}servicenodeports/`;

const ownerOf = (svc: StoredObject): AllocationOwner => ({
  namespace: svc.metadata.namespace ?? '',
  name: svc.metadata.name ?? '',
  uid: svc.metadata.uid ?? '',
});

/** The values a Service holds: its cluster IPs (not None) and every node port it uses. */
function heldValues(svc: Service | undefined): { ips: Set<string>; ports: Set<number> } {
  const ips = new Set<string>();
  const ports = new Set<number>();
  if (!svc) return { ips, ports };
  if (needsClusterIP(svc)) for (const ip of svc.spec?.clusterIPs ?? []) if (ip && ip !== CLUSTER_IP_NONE) ips.add(ip);
  if (needsNodePorts(svc)) for (const p of svc.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  if (needsHealthCheckNodePort(svc) && svc.spec?.healthCheckNodePort) ports.add(svc.spec.healthCheckNodePort);
  return { ips, ports };
}

export class ServiceAllocation implements WriteHooks {
  readonly ips: RangeAllocator<string>;
  readonly nodePorts: RangeAllocator<number>;

  constructor(
    kv: KV,
    private readonly log: Logger,
    options: ServiceAllocationOptions = {},
  ) {
    this.ips = new RangeAllocator(kv, new ServiceIPRange(options.serviceClusterIPRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE), SERVICE_IPS_PREFIX, 'IP');
    this.nodePorts = new RangeAllocator(kv, new NodePortRange(options.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE), SERVICE_NODE_PORTS_PREFIX, 'port');
  }

  /** The first address of the range: the `kubernetes` Service's. */
  get apiServerServiceIP(): string {
    return this.ips.range.valueAt(0);
  }

  beforeCreate(obj: StoredObject, options: { readonly dryRun: boolean }): Promise<WriteCompletion> {
    return this.allocate(obj, undefined, options.dryRun);
  }

  beforeUpdate(obj: StoredObject, old: StoredObject, options: { readonly dryRun: boolean }): Promise<WriteCompletion> {
    return this.allocate(obj, old, options.dryRun);
  }

  async afterDelete(obj: StoredObject): Promise<void> {
    await this.releaseAll(ownerOf(obj), heldValues(obj as Service));
  }

  private async allocate(obj: StoredObject, oldObj: StoredObject | undefined, dryRun: boolean): Promise<WriteCompletion> {
    const svc = obj as Service;
    const owner = ownerOf(obj);
    const before = heldValues(oldObj as Service | undefined);
    const reserved = { ips: new Set<string>(), ports: new Set<number>() };
    const undo = () => (dryRun ? Promise.resolve() : this.releaseAll(owner, reserved));
    try {
      const errs = [...(await this.allocateClusterIP(svc, owner, before.ips, reserved.ips, dryRun)), ...(await this.allocateNodePorts(svc, owner, before.ports, reserved.ports, dryRun))];
      if (errs.length > 0) throw apiErrors.invalid('Service', '', obj.metadata.name ?? '', errs);
    } catch (err) {
      await undo();
      throw err;
    }
    return {
      finish: async (committed) => {
        if (!committed) return undo();
        // The write happened: free what the update gave up.
        const after = heldValues(svc);
        const dropped = { ips: new Set([...before.ips].filter((ip) => !after.ips.has(ip))), ports: new Set([...before.ports].filter((p) => !after.ports.has(p))) };
        await this.releaseAll(owner, dropped);
      },
    };
  }

  private async allocateClusterIP(svc: Service, owner: AllocationOwner, held: Set<string>, reserved: Set<string>, dryRun: boolean): Promise<FieldError[]> {
    const spec = svc.spec!;
    if (!needsClusterIP(svc) || spec.clusterIP === CLUSTER_IP_NONE) return [];
    const requested = spec.clusterIPs?.[0] ?? spec.clusterIP;
    if (!requested) {
      const ip = await this.ips.allocateNext(owner, dryRun).catch((err: unknown) => {
        throw err instanceof AllocationError ? apiErrors.internal(`failed to allocate a serviceIP: ${err.message}`) : err;
      });
      reserved.add(ip);
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return [];
    }
    if (held.has(requested)) return [];
    try {
      await this.ips.allocate(requested, owner, dryRun);
      reserved.add(requested);
      return [];
    } catch (err) {
      if (!(err instanceof AllocationError)) throw err;
      return [fieldErrors.invalid('spec.clusterIPs', goStringSlice(spec.clusterIPs ?? [requested]), `failed to allocate IP ${requested}: ${err.message}`)];
    }
  }

  private async allocateNodePorts(svc: Service, owner: AllocationOwner, held: Set<number>, reserved: Set<number>, dryRun: boolean): Promise<FieldError[]> {
    const spec = svc.spec!;
    const errs: FieldError[] = [];
    const mine = (port: number) => held.has(port) || reserved.has(port);
    const take = async (port: number, path: string, message: (m: string) => string): Promise<void> => {
      if (mine(port)) return;
      try {
        await this.nodePorts.allocate(port, owner, dryRun);
        reserved.add(port);
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        errs.push(fieldErrors.invalid(path, port, message(err.message)));
      }
    };
    const next = async (): Promise<number> => {
      try {
        const port = await this.nodePorts.allocateNext(owner, dryRun);
        reserved.add(port);
        return port;
      } catch (err) {
        throw err instanceof AllocationError ? apiErrors.internal(`failed to allocate a nodePort: ${err.message}`) : err;
      }
    };
    if (needsNodePorts(svc)) {
      // Ports that share a number (TCP and UDP of one service) share a node port, as upstream.
      const byNumber = new Map<number, number>();
      for (const [i, port] of (spec.ports ?? []).entries()) {
        if (port.nodePort) {
          await take(port.nodePort, fieldPath.child(fieldPath.index('spec.ports', i), 'nodePort'), (m) => m);
          byNumber.set(port.port, port.nodePort);
        }
      }
      for (const port of spec.ports ?? []) {
        if (port.nodePort) continue;
        port.nodePort = byNumber.get(port.port) ?? (await next());
        byNumber.set(port.port, port.nodePort);
      }
    }
    if (needsHealthCheckNodePort(svc)) {
      if (spec.healthCheckNodePort) {
        const requested = spec.healthCheckNodePort;
        await take(requested, 'spec.healthCheckNodePort', (m) => `failed to allocate requested HealthCheck NodePort ${requested}: ${m}`);
      } else {
        spec.healthCheckNodePort = await next();
      }
    }
    return errs;
  }

  private async releaseAll(owner: AllocationOwner, values: { ips: Set<string>; ports: Set<number> }): Promise<void> {
    // A failed release leaks a value until someone frees its key; it must not fail the request.
    for (const ip of values.ips) await this.ips.release(ip, owner).catch((err: unknown) => this.log.warn({ ip, err: String(err) }, 'could not release service IP'));
    for (const port of values.ports) await this.nodePorts.release(port, owner).catch((err: unknown) => this.log.warn({ port, err: String(err) }, 'could not release node port'));
  }
}
