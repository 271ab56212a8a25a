/**
 * @module controllers/common/controller-ref
 *
 * ControllerRef semantics (upstream's controller_ref_manager): an object is controlled by at most
 * one owner — the ownerReference with `controller: true`. A controller claims the objects its
 * selector matches: it adopts orphans (adds its controllerRef, blockOwnerDeletion so foreground
 * deletion waits for them) and releases objects it owns that no longer match (drops its
 * reference). An object owned by another controller is never touched. Adoption happens only
 * while the owner is alive (not being deleted), checked against the API server, not a cache.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { LabelSelector } from '../../api/selectors/labels.js';
import { isApiStatusError, type ResourceClient } from '../../client/index.js';

export interface OwnerKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/** The ownerReference with controller=true, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The controllerRef a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject, kind: OwnerKind): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj`'s controllerRef names `owner` (by uid: a re-created owner is another owner). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

export interface ClaimOptions<T extends KubeObject> {
  readonly owner: KubeObject;
  readonly ownerKind: OwnerKind;
  readonly selector: LabelSelector;
  /** The claimed resource (pods, replicasets), to patch ownerReferences. */
  readonly resource: ResourceClient<T>;
  /** Re-reads the owner from the API server: adoption only while it is alive with the same uid. */
  readonly fetchOwner: () => Promise<KubeObject | undefined>;
  /** Objects not to adopt (e.g. terminating pods); still released when they stop matching. */
  readonly adoptable?: (obj: T) => boolean;
  readonly signal?: AbortSignal;
}

/**
 * Returns the objects `owner` controls after adopting matching orphans and releasing owned
 * objects that no longer match (upstream's ClaimObjects). Patches are conditional on the
 * object's resourceVersion: one that vanished meanwhile is skipped, one that changed fails the
 * sync, which is retried once the cache has caught up.
 */
export async function claimObjects<T extends KubeObject>(candidates: readonly T[], options: ClaimOptions<T>): Promise<T[]> {
  const { owner, selector } = options;
  const ownerUid = owner.metadata?.uid;
  const claimed: T[] = [];
  let canAdopt: boolean | undefined;
  const ownerAlive = async (): Promise<boolean> => {
    if (canAdopt === undefined) {
      const fresh = await options.fetchOwner();
      canAdopt = fresh !== undefined && fresh.metadata?.uid === ownerUid && !fresh.metadata?.deletionTimestamp;
    }
    return canAdopt;
  };
  for (const obj of candidates) {
    const ref = getControllerOf(obj);
    const matches = selector.matches(obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      // Ours but no longer selected: release it, unless we are being deleted (then the garbage
      // collector decides what happens to it).
      if (owner.metadata?.deletionTimestamp) continue;
      await patchOwnerRefs(options.resource, obj, (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid), options.signal);
      continue;
    }
    if (!matches || owner.metadata?.deletionTimestamp || obj.metadata?.deletionTimestamp) continue;
    if (options.adoptable && !options.adoptable(obj)) continue;
    if (!(await ownerAlive())) continue;
    const adopted = await patchOwnerRefs(options.resource, obj, [...(obj.metadata?.ownerReferences ?? []), newControllerRef(owner, options.ownerKind)], options.signal);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

/**
 * Sets ownerReferences, conditional on the object being unchanged; undefined if it is gone. A
 * conflict (it changed since the cache saw it) is thrown, so the sync is retried on fresh data.
 */
async function patchOwnerRefs<T extends KubeObject>(resource: ResourceClient<T>, obj: T, refs: OwnerReference[], signal?: AbortSignal): Promise<T | undefined> {
  try {
    return await resource.patch(
      obj.metadata!.name!,
      'merge',
      { metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: obj.metadata?.resourceVersion } },
      { ...(obj.metadata?.namespace && { namespace: obj.metadata.namespace }), ...(signal && { signal }) },
    );
  } catch (err) {
    if (isApiStatusError(err, 404)) return undefined;
    throw err;
  }
}
