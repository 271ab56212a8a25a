/**
 * @module cloud/service-port
 *
 * Which of a Service's ports one balancer serves. A cloud load balancer gets a listener per
 * Service port; `tskube lb` listens on one address, so it fronts one port: the one named by
 * `--port-name`, otherwise the first TCP port (a TCP balancer cannot carry UDP or SCTP).
 */
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import type { Service } from './types.js';

/** The chosen port, or why there is none (one line, for status and logs). */
export type PortChoice = { readonly port: ServicePort & { readonly nodePort: number } } | { readonly problem: string };

const protocolOf = (p: ServicePort): string => p.protocol ?? 'TCP';

export function choosePort(service: Service, portName?: string): PortChoice {
  const ports = service.spec?.ports ?? [];
  let port: ServicePort | undefined;
  if (portName !== undefined) {
    port = ports.find((p) => (p.name ?? '') === portName);
    if (!port) {
      const names = ports.map((p) => p.name || '(unnamed)').join(', ') || 'none';
      return { problem: `the Service has no port named ${JSON.stringify(portName)} (its ports: ${names})` };
    }
    if (protocolOf(port) !== 'TCP') return { problem: `port ${JSON.stringify(portName)} is ${protocolOf(port)}; a TCP load balancer serves only TCP ports` };
  } else {
    port = ports.find((p) => protocolOf(p) === 'TCP');
    if (!port) return { problem: 'the Service has no TCP port' };
  }
  // allocateLoadBalancerNodePorts: false leaves a LoadBalancer Service without node ports; this
  // balancer reaches pods only through the nodes' proxies, so it has nothing to send to.
  if (!port.nodePort) return { problem: `port ${port.name || port.port} has no nodePort (allocateLoadBalancerNodePorts is false?); the balancer reaches pods through node ports only` };
  return { port: { ...port, nodePort: port.nodePort } };
}
