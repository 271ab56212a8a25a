/**
 * @module controllers/deployment/util
 *
 * Deployment arithmetic and bookkeeping, as upstream's deployment/util: maxSurge/maxUnavailable
 * from int-or-percent (surge rounds up, unavailable rounds down, never both 0), replica sums over
 * ReplicaSets, the revision / desired-replicas / max-replicas annotations, template equality
 * ignoring the pod-template-hash label, and the sort orders the rollout uses.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { jsonEqual } from '../../api/object.js';
import { scaledValue } from '../common/int-or-percent.js';
import { POD_TEMPLATE_HASH_LABEL, timeMs, type Deployment, type ReplicaSet } from '../common/types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Deployment annotations that are not copied onto its ReplicaSets (upstream's skipCopyAnnotation). */
const NOT_COPIED = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to']);
/** Upstream caps revision-history at this many characters. */
const MAX_REV_HISTORY_CHARS = 2000;

export const replicasOf = (obj: Deployment | ReplicaSet): number => obj.spec?.replicas ?? 1;

export const isRollingUpdate = (d: Deployment): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** [surge, unavailable] for `desired` replicas; when both come out 0, unavailable is 1. */
export function resolveFenceposts(d: Deployment, desired: number): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge ?? '25%', desired, true);
  const unavailable = scaledValue(ru?.maxUnavailable ?? '25%', desired, false);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d, replicasOf(d))[0] : 0;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d, replicas)[1], replicas);
}

export const specReplicaSum = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
export const statusReplicaSum = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const readySum = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const availableSum = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

/** ReplicaSets with spec.replicas > 0. */
export const activeReplicaSets = (rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0);

export function revisionOf(rs: ReplicaSet): number {
  const v = rs.metadata?.annotations?.[REVISION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

export const maxRevision = (rss: readonly ReplicaSet[]): number => rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}
export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined => annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);
export const maxReplicasAnnotation = (rs: ReplicaSet): number | undefined => annotationInt(rs, MAX_REPLICAS_ANNOTATION);

/** Sets desired-replicas and max-replicas; true when either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const meta = (rs.metadata ??= {});
  const annotations = (meta.annotations ??= {});
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * Copies the deployment's annotations to its new ReplicaSet and raises the ReplicaSet's revision
 * to `newRevision` (keeping the old one in revision-history), as upstream's
 * SetNewReplicaSetAnnotations. A new ReplicaSet also gets desired/max-replicas. True if changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const meta = (rs.metadata ??= {});
  const annotations = (meta.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  if (oldRevision !== undefined && !/^\d+$/.test(oldRevision)) return changed;
  if (oldRevision === undefined || Number(oldRevision) < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined && oldRevision !== '') {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      const next = history ? `${history},${oldRevision}` : oldRevision;
      annotations[REVISION_HISTORY_ANNOTATION] = next.length > MAX_REV_HISTORY_CHARS ? next.slice(next.indexOf(',', next.length - MAX_REV_HISTORY_CHARS) + 1) : next;
    }
  }
  if (!exists) {
    const replicas = replicasOf(d);
    if (setReplicasAnnotations(rs, replicas, replicas + maxSurge(d))) changed = true;
  }
  return changed;
}

/**
 * Templates equal once the pod-template-hash label is ignored (upstream's EqualIgnoreHash).
 * Compared as upstream's semantic equality does on typed objects, where a null, an empty map and
 * an empty list are the same as nothing: `kubectl rollout undo` writes back a ReplicaSet's
 * template as Go serialises it (`creationTimestamp: null`, `resources: {}`), and that must still
 * match the ReplicaSet it came from, or undo would start a new ReplicaSet instead of scaling the
 * old one up.
 */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const copy = structuredClone(t ?? {});
    if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    return withoutEmpty(copy);
  };
  return jsonEqual(strip(a), strip(b));
}

/** A JSON value without null members and without empty objects and lists (recursively). */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(withoutEmpty);
  if (value === null) return undefined;
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const kept = withoutEmpty(v);
    if (kept !== undefined) out[k] = kept;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

const created = (rs: ReplicaSet): number => timeMs(rs.metadata?.creationTimestamp) ?? 0;
const byName = (a: ReplicaSet, b: ReplicaSet): number => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

/** Oldest first; ties by name (upstream's ReplicaSetsByCreationTimestamp). */
export const byCreation = (a: ReplicaSet, b: ReplicaSet): number => created(a) - created(b) || byName(a, b);
/** Lowest revision first (upstream's ReplicaSetsByRevision). */
export const byRevision = (a: ReplicaSet, b: ReplicaSet): number => revisionOf(a) - revisionOf(b) || byCreation(a, b);
/** Largest first, newer first among equals (ReplicaSetsBySizeNewer). */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number => replicasOf(b) - replicasOf(a) || created(b) - created(a) || byName(a, b);
/** Largest first, older first among equals (ReplicaSetsBySizeOlder). */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number => replicasOf(b) - replicasOf(a) || created(a) - created(b) || byName(a, b);

/** The ReplicaSet whose template is the deployment's: the oldest such (upstream's FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** The deployment's pod template hash label value of a ReplicaSet. */
export const templateHashOf = (rs: ReplicaSet): string | undefined => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
