/**
 * @module registry/registry
 *
 * One ResourceStore per served resource, wired to the same key-value store, plus the default
 * namespaces every cluster starts with.
 */
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { ApiError } from '../api/errors.js';
import type { KV } from '../storage/interface.js';
import { KIND_RULES, markNamespaceTerminating, namespaceFinalizers, podGracePeriod } from './kinds.js';
import { createLogger, type Logger } from '../log.js';
import { ServiceAllocation, type ServiceAllocationOptions } from './service/allocation.js';
import { ResourceStore } from './store.js';
import { defineStrategy } from './strategy.js';

export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export class Registry {
  private readonly stores = new Map<string, ResourceStore>();

  /** Cluster IP and node port reservations of Services. */
  readonly serviceAllocation: ServiceAllocation;

  constructor(
    readonly kv: KV,
    options: { now?: () => Date; services?: ServiceAllocationOptions; log?: Logger } = {},
  ) {
    this.serviceAllocation = new ServiceAllocation(kv, options.log ?? createLogger('registry'), options.services);
    for (const info of RESOURCES) {
      const rules = info.group === '' || info.group === 'apps' || info.group === 'events.k8s.io' ? KIND_RULES[info.plural] : undefined;
      this.stores.set(
        storeKey(info),
        new ResourceStore({
          info,
          kv,
          strategy: defineStrategy(info, rules),
          ...(info.namespaced && { namespaceLookup: (ns: string) => this.namespacePhase(ns) }),
          ...(info.plural === 'pods' && info.group === '' && { gracePeriod: podGracePeriod }),
          ...(info.plural === 'services' && info.group === '' && { hooks: this.serviceAllocation }),
          ...(info.plural === 'namespaces' && info.group === '' && { extraFinalizers: namespaceFinalizers, onTerminating: markNamespaceTerminating }),
          ...(options.now && { now: options.now }),
        }),
      );
    }
  }

  store(group: string, version: string, plural: string): ResourceStore | undefined {
    return this.stores.get(`${group}/${version}/${plural}`);
  }

  all(): ResourceStore[] {
    return [...this.stores.values()];
  }

  get namespaces(): ResourceStore {
    return this.store('', 'v1', 'namespaces')!;
  }

  private async namespacePhase(namespace: string): Promise<'Active' | 'Terminating' | undefined> {
    try {
      const ns = await this.namespaces.get(undefined, namespace);
      return ns.metadata.deletionTimestamp ? 'Terminating' : 'Active';
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Creates the namespaces every cluster has; existing ones are left alone. */
  async ensureDefaultNamespaces(): Promise<void> {
    for (const name of DEFAULT_NAMESPACES) {
      try {
        await this.namespaces.create(undefined, { metadata: { name } });
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists') continue;
        throw err;
      }
    }
  }
}

function storeKey(info: Pick<ResourceInfo, 'group' | 'version' | 'plural'>): string {
  return `${info.group}/${info.version}/${info.plural}`;
}
