/**
 * @module proxy/endpoints
 *
 * Flattens a Service's EndpointSlices into the endpoints of one of its ports, as kube-proxy's
 * endpoint slice cache does: a slice port matches the Service port by name (both empty for a
 * single unnamed port) and protocol; an address that appears in several slices (during a
 * controller's rewrite) counts once, the first seen wins; missing conditions default as upstream
 * (ready: true; serving: ready; terminating: false).
 */
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import { LABEL_SERVICE_NAME, type EndpointSlice, type ServiceEndpoint } from './types.js';

/** The slices of a Service are those labelled with its name, in its namespace. */
export function sliceServiceName(slice: EndpointSlice): string | undefined {
  return slice.metadata?.labels?.[LABEL_SERVICE_NAME];
}

export function endpointsForPort(slices: readonly EndpointSlice[], port: ServicePort): ServiceEndpoint[] {
  const wantName = port.name ?? '';
  const wantProtocol = port.protocol ?? 'TCP';
  const seen = new Set<string>();
  const out: ServiceEndpoint[] = [];
  // A stable order (by slice name) keeps round-robin and tests deterministic across relists.
  const ordered = [...slices].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const slice of ordered) {
    if (slice.addressType === 'FQDN') continue; // kube-proxy ignores FQDN slices
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === wantName && (p.protocol ?? 'TCP') === wantProtocol);
    if (slicePort?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ready = ep.conditions?.ready ?? true;
      const serving = ep.conditions?.serving ?? ready;
      const terminating = ep.conditions?.terminating ?? false;
      const zoneHints = (ep.hints?.forZones ?? []).map((z) => z.name);
      for (const ip of ep.addresses.slice(0, 1)) {
        // Upstream uses only the first address of an endpoint (the others are not routed to).
        const key = `${ip}:${slicePort.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          ip,
          port: slicePort.port,
          ready,
          serving,
          terminating,
          zoneHints,
          ...(ep.nodeName !== undefined && { nodeName: ep.nodeName }),
          ...(ep.zone !== undefined && { zone: ep.zone }),
        });
      }
    }
  }
  return out;
}
