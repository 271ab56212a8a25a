/**
 * @module apiserver/handlers/scale
 *
 * The scale subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets: a view of
 * spec.replicas that `kubectl scale` and autoscalers read and write without touching the rest.
 */
import { apiErrors } from '../../api/errors.js';
import { isPlainObject, type StoredObject } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import type { ResourceStore } from '../../registry/store.js';
import { decodeDocument, decodeObject, mediaType, readBody, sendJson, type RequestContext } from '../http.js';
import type { ResourceRequest } from '../request-info.js';
import { applyPatch } from './patch.js';

interface Scale extends StoredObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

export function toScale(obj: StoredObject): Scale {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const status = isPlainObject(obj.status) ? obj.status : {};
  const selector = isPlainObject(spec.selector) ? labelSelectorFromObject(spec.selector).toString() : undefined;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, ...(selector && { selector }) },
  };
}

function replicasOf(scale: unknown): number {
  const replicas = isPlainObject(scale) && isPlainObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw apiErrors.invalid('Scale', 'autoscaling', '', [
      { type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas ?? null, detail: 'must be greater than or equal to 0' },
    ]);
  }
  return replicas;
}

export async function handleScale(ctx: RequestContext, info: ResourceRequest, store: ResourceStore, namespace: string | undefined): Promise<void> {
  const name = info.name!;
  if (info.verb === 'get') return sendJson(ctx.res, 200, toScale(await store.get(namespace, name)));
  if (info.verb !== 'update' && info.verb !== 'patch') throw apiErrors.methodNotAllowed(ctx.req.method ?? '', { group: store.info.group, plural: `${store.info.plural}/scale` });
  const type = mediaType(ctx.req);
  const body = await readBody(ctx.req);
  const update = info.verb === 'update' ? decodeObject(body, type) : decodeDocument(body, type);
  const updated = await store.guaranteedUpdate(namespace, name, (current) => {
    const scale = toScale(current);
    let desired: unknown;
    if (info.verb === 'update') {
      const rv = isPlainObject(update) && isPlainObject(update.metadata) ? update.metadata.resourceVersion : undefined;
      if (rv && rv !== current.metadata.resourceVersion) throw apiErrors.modified(store.info, name);
      desired = update;
    } else {
      desired = applyPatch(type === 'application/strategic-merge-patch+json' ? 'application/merge-patch+json' : type, scale, update, store.info);
    }
    const spec = isPlainObject(current.spec) ? current.spec : {};
    return { ...current, spec: { ...spec, replicas: replicasOf(desired) } };
  });
  sendJson(ctx.res, 200, toScale(updated));
}
