/**
 * @module apiserver/openapi/extra-fields
 *
 * Fields tskube serves that the installed `kubernetes-types` does not declare, folded into the
 * generated schemas by scripts/generate-openapi.ts so that `kubectl explain` shows them and
 * `fieldValidation=Strict` (kubectl 1.32's default for apply/create) accepts them.
 *
 * - `ServiceSpec.topologyKeys`: Kubernetes 1.17's alpha topology-aware routing (removed upstream
 *   in 1.22), which seed 001 uses and tskube keeps serving beside `trafficDistribution`.
 */
import type { Schema } from './schema.js';

export const EXTRA_FIELDS: Readonly<Record<string, Readonly<Record<string, Schema>>>> = {
  'io.k8s.api.core.v1.ServiceSpec': {
    topologyKeys: {
      description:
        'topologyKeys is a preference-order list of node label keys (Kubernetes 1.17 alpha, served by tskube). ' +
        'A proxy sends traffic to the endpoints whose node has the same value for the first key as the node it runs on; ' +
        'if there are none, the next key is tried, and so on. "*" matches any endpoint and may only be the last key. ' +
        'When no key matches, the traffic is refused as if the Service had no endpoints. At most 16 keys; ' +
        'may not be used with externalTrafficPolicy=Local.',
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'atomic',
    },
  },
};
