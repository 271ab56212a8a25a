/**
 * @module apiserver/printers/registry
 *
 * Which printer serves which resource. Printers are keyed by group and resource (the same
 * resource name can mean different shapes in different groups: `events` in core/v1 and in
 * events.k8s.io/v1); anything unregistered gets the default NAME / CREATED AT printer, as every
 * upstream resource without a printer does.
 */
import { coreEventPrinter, eventsV1EventPrinter } from './events.js';
import { configMapPrinter, leasePrinter, namespacePrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { defaultPrinter } from './default-printer.js';
import { nodePrinter } from './nodes.js';
import { podPrinter } from './pods.js';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './services.js';
import type { GroupResource, KubeObject, TablePrinter } from './types.js';
import { daemonSetPrinter, deploymentPrinter, podDisruptionBudgetPrinter, replicaSetPrinter } from './workloads.js';

/**
 * A resource, either as `{ group, resource }` or as kubectl spells it: `pods`,
 * `deployments.apps`, `events.events.k8s.io`. A bare name with no group prefers the core group,
 * then the only group that has a printer for it.
 */
export type ResourceRef = GroupResource | string;

function keyOf(gr: GroupResource): string {
  return `${gr.group}/${gr.resource}`;
}

export class TablePrinterRegistry {
  readonly #printers = new Map<string, TablePrinter>();

  /** Registers (or replaces) the printer for one group/resource. */
  register<T extends KubeObject>(gr: GroupResource, printer: TablePrinter<T>): this {
    this.#printers.set(keyOf(gr), printer);
    return this;
  }

  /** The registered printer, or undefined when the resource has none. */
  get(ref: ResourceRef): TablePrinter | undefined {
    return this.#printers.get(keyOf(this.resolve(ref)));
  }

  /** The registered printer, or the default NAME / CREATED AT printer. */
  printerFor(ref: ResourceRef): TablePrinter {
    return this.get(ref) ?? defaultPrinter;
  }

  /** Every group/resource with a registered printer. */
  resources(): GroupResource[] {
    return [...this.#printers.keys()].map((key) => {
      const slash = key.indexOf('/');
      return { group: key.slice(0, slash), resource: key.slice(slash + 1) };
    });
  }

  /** Turns a {@link ResourceRef} into a group/resource, choosing the group for bare names. */
  resolve(ref: ResourceRef): GroupResource {
    if (typeof ref !== 'string') return ref;
    const dot = ref.indexOf('.');
    if (dot >= 0) return { group: ref.slice(dot + 1), resource: ref.slice(0, dot) };
    const core = { group: '', resource: ref };
    if (this.#printers.has(keyOf(core))) return core;
    const matches = this.resources().filter((gr) => gr.resource === ref);
    return matches.length === 1 && matches[0] !== undefined ? matches[0] : core;
  }
}

/** A registry holding upstream's printers for every resource tskube serves with custom columns. */
export function createDefaultRegistry(): TablePrinterRegistry {
  return new TablePrinterRegistry()
    .register({ group: '', resource: 'pods' }, podPrinter)
    .register({ group: '', resource: 'nodes' }, nodePrinter)
    .register({ group: '', resource: 'services' }, servicePrinter)
    .register({ group: '', resource: 'endpoints' }, endpointsPrinter)
    .register({ group: '', resource: 'namespaces' }, namespacePrinter)
    .register({ group: '', resource: 'configmaps' }, configMapPrinter)
    .register({ group: '', resource: 'secrets' }, secretPrinter)
    .register({ group: '', resource: 'serviceaccounts' }, serviceAccountPrinter)
    .register({ group: '', resource: 'events' }, coreEventPrinter)
    .register({ group: 'events.k8s.io', resource: 'events' }, eventsV1EventPrinter)
    .register({ group: 'discovery.k8s.io', resource: 'endpointslices' }, endpointSlicePrinter)
    .register({ group: 'coordination.k8s.io', resource: 'leases' }, leasePrinter)
    .register({ group: 'apps', resource: 'deployments' }, deploymentPrinter)
    .register({ group: 'apps', resource: 'replicasets' }, replicaSetPrinter)
    .register({ group: 'apps', resource: 'daemonsets' }, daemonSetPrinter)
    .register({ group: 'policy', resource: 'poddisruptionbudgets' }, podDisruptionBudgetPrinter);
}

/** The shared default registry. */
export const defaultRegistry: TablePrinterRegistry = createDefaultRegistry();
