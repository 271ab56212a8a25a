/**
 * @module cloud/backend-plan
 *
 * What the balancer should do for the Service as the listers see it now: whether it serves at
 * all (and so shows its ingress), which port, which nodes are backends and why the others are
 * not, and which health-check targets to probe. Pure: the controller feeds it the cached Service
 * and Nodes and the health checker's verdicts.
 *
 * Backends are `InternalIP:nodePort` of every eligible node (cloud/node-eligibility); with
 * externalTrafficPolicy Local only those whose health-check node port answers 200, since the
 * other nodes' proxies refuse the node port (they have no local endpoint) — upstream's reason for
 * the health-check node port.
 */
import type { HostPort } from '../faults/address.js';
import type { HealthTarget, TargetHealth } from './health-checker.js';
import { nodeEligibility } from './node-eligibility.js';
import { choosePort } from './service-port.js';
import type { Node, Service } from './types.js';

/** One node, as `tskube lb status` explains it. */
export interface NodeBackendStatus {
  readonly name: string;
  readonly address?: string;
  readonly backend: boolean;
  /** Why it is not a backend (or, for Local, its health check's last answer). */
  readonly reason?: string;
}

export interface BackendPlan {
  /** The Service is a LoadBalancer with a usable port: the balancer fronts it, its ingress shows. */
  readonly serving: boolean;
  /** Why nothing is served, when `serving` is false or the policy cannot be honoured. */
  readonly problem?: string;
  readonly port?: { readonly name?: string; readonly port: number; readonly nodePort: number };
  readonly externalTrafficPolicy?: string;
  readonly healthCheckNodePort?: number;
  /** Sorted by address, so two plans compare with their string form. */
  readonly backends: readonly HostPort[];
  readonly healthTargets: readonly HealthTarget[];
  readonly nodes: readonly NodeBackendStatus[];
}

export interface PlanInput {
  readonly service: Service | undefined;
  readonly nodes: readonly Node[];
  readonly portName?: string;
  readonly health: (target: HealthTarget) => TargetHealth;
}

const idle = (problem: string, nodes: readonly Node[]): BackendPlan => ({
  serving: false,
  problem,
  backends: [],
  healthTargets: [],
  nodes: nodes.map((n) => ({ name: n.metadata?.name ?? '', backend: false, reason: problem })),
});

export function planBackends(input: PlanInput): BackendPlan {
  const nodes = [...input.nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const { service } = input;
  if (!service || service.metadata?.deletionTimestamp) return idle('the Service does not exist', nodes);
  const type = service.spec?.type ?? 'ClusterIP';
  if (type !== 'LoadBalancer') return idle(`the Service is of type ${type}, not LoadBalancer`, nodes);
  const choice = choosePort(service, input.portName);
  if ('problem' in choice) return idle(choice.problem, nodes);

  const { port } = choice;
  const policy = service.spec?.externalTrafficPolicy ?? 'Cluster';
  const local = policy === 'Local';
  const healthCheckNodePort = local ? service.spec?.healthCheckNodePort : undefined;
  const base = {
    serving: true,
    port: { ...(port.name && { name: port.name }), port: port.port, nodePort: port.nodePort },
    externalTrafficPolicy: policy,
    ...(healthCheckNodePort && { healthCheckNodePort }),
  };
  if (local && !healthCheckNodePort) {
    return { ...base, ...idle('externalTrafficPolicy is Local but the Service has no healthCheckNodePort', nodes), serving: true };
  }

  const backends: HostPort[] = [];
  const healthTargets: HealthTarget[] = [];
  const statuses: NodeBackendStatus[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const eligibility = nodeEligibility(node);
    if (!eligibility.eligible) {
      statuses.push({ name, backend: false, reason: eligibility.reason });
      continue;
    }
    const { address } = eligibility;
    if (healthCheckNodePort) {
      const target = { node: name, host: address, port: healthCheckNodePort };
      healthTargets.push(target);
      const { health, last } = input.health(target);
      const answer = last === undefined ? 'not probed yet' : /^\d+$/.test(last) ? `health check answered ${last}` : `health check failed (${last})`;
      if (health !== 'healthy') {
        statuses.push({ name, address, backend: false, reason: `unhealthy: ${answer}` });
        continue;
      }
      statuses.push({ name, address, backend: true, reason: `healthy: ${answer}` });
    } else {
      statuses.push({ name, address, backend: true });
    }
    backends.push({ host: address, port: port.nodePort });
  }
  backends.sort((a, b) => a.host.localeCompare(b.host, 'en', { numeric: true }));
  return { ...base, backends, healthTargets, nodes: statuses };
}
