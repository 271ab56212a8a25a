/**
 * @module apiserver/handlers/pod-subresources
 *
 * Two pod subresources the control plane itself uses:
 *   - pods/binding (POST a v1 Binding): how a scheduler assigns a pod to a node. It sets
 *     spec.nodeName once; a pod already assigned is a 409, as upstream's "pod ... is already
 *     assigned to node ...".
 *   - pods/eviction (POST a policy/v1 Eviction): a delete that respects PodDisruptionBudgets.
 *     The budget is judged here from the pods themselves (healthy = Ready and not terminating,
 *     src/api/disruption.ts) rather than from the status the disruption controller writes, which
 *     may lag a pod that just became unready. An eviction that would leave fewer healthy pods
 *     than the budget wants is refused with 429, as upstream does, and the caller retries later.
 */
import { ApiError, apiErrors } from '../../api/errors.js';
import { isPlainObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import type { Registry } from '../../registry/registry.js';
import type { ResourceStore } from '../../registry/store.js';
import { decodeObject, mediaType, readBody, sendJson, type RequestContext } from '../http.js';
import type { ResourceRequest } from '../request-info.js';
import { parseDeleteOptions } from './options.js';
import { desiredHealthy, podIsHealthy } from '../../api/disruption.js';

const success = (code: number, details: Record<string, unknown>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code, details });

export async function handleBinding(ctx: RequestContext, info: ResourceRequest, pods: ResourceStore): Promise<void> {
  if (info.verb !== 'create') throw apiErrors.methodNotAllowed(ctx.req.method ?? '', { group: '', plural: 'pods/binding' });
  const binding = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
  const target = isPlainObject(binding.target) ? binding.target : {};
  const nodeName = typeof target.name === 'string' ? target.name : '';
  if (!nodeName) {
    throw apiErrors.invalid('Binding', '', binding.metadata?.name ?? info.name!, [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
  }
  const name = info.name!;
  await pods.guaranteedUpdate(info.namespace, name, (pod) => {
    const spec = isPlainObject(pod.spec) ? pod.spec : {};
    if (pod.metadata.deletionTimestamp) throw apiErrors.conflict(pods.info, name, 'pod is being deleted, cannot be assigned to a host');
    if (spec.nodeName) throw apiErrors.conflict(pods.info, name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
    return { ...pod, spec: { ...spec, nodeName } };
  });
  sendJson(ctx.res, 201, success(201, {}));
}

export async function handleEviction(ctx: RequestContext, info: ResourceRequest, registry: Registry): Promise<void> {
  if (info.verb !== 'create') throw apiErrors.methodNotAllowed(ctx.req.method ?? '', { group: '', plural: 'pods/eviction' });
  const eviction = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
  const pods = registry.store('', 'v1', 'pods')!;
  const pdbs = registry.store('policy', 'v1', 'poddisruptionbudgets')!;
  const namespace = info.namespace!;
  const name = info.name!;
  const pod = await pods.get(namespace, name);
  // A pod that is not running (or already going) may always go: it holds no disruption budget.
  const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
  if (!pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed' && phase !== 'Pending') {
    const { items: budgets } = await pdbs.list(namespace);
    const all = (await pods.list(namespace)).items;
    for (const pdb of budgets) {
      const spec = isPlainObject(pdb.spec) ? pdb.spec : {};
      const selector = labelSelectorFromObject(isPlainObject(spec.selector) ? (spec.selector as Parameters<typeof labelSelectorFromObject>[0]) : null);
      if (!selector.matches(pod.metadata.labels)) continue;
      const covered = all.filter((p) => selector.matches(p.metadata.labels));
      const healthy = covered.filter(podIsHealthy).length;
      const desired = desiredHealthy(spec, covered.length);
      if (podIsHealthy(pod) && healthy - 1 < desired) {
        throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name ?? ''} needs ${desired} healthy pods and has ${healthy} currently` }],
          retryAfterSeconds: 10,
        });
      }
    }
  }
  const deleteOptions = isPlainObject(eviction.deleteOptions) ? eviction.deleteOptions : undefined;
  await pods.delete(namespace, name, parseDeleteOptions(deleteOptions, new URLSearchParams()));
  sendJson(ctx.res, 201, success(201, { name, kind: 'pods', uid: pod.metadata.uid }));
}
