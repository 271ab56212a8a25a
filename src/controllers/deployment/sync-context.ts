/**
 * @module controllers/deployment/sync-context
 *
 * What one sync of one Deployment works on: the Deployment (updated in place as its status is
 * written, so later steps see what earlier ones wrote), its ReplicaSets, and the writes every
 * step shares — update a ReplicaSet, scale one with upstream's ScalingReplicaSet event, write the
 * Deployment's status, and find or create the new ReplicaSet (upstream's getNewReplicaSet).
 */
import { isAlreadyExists, isNotFound, type EventRecorder, type RestClient } from '../../client/index.js';
import { getControllerOf, newControllerRef } from '../common/controller-ref.js';
import { POD_TEMPLATE_HASH_LABEL, type Deployment, type Pod, type ReplicaSet } from '../common/types.js';
import { getCondition, hasProgressDeadline, newCondition, Reason, setCondition } from './conditions.js';
import { computeHash } from '../common/hash.js';
import {
  equalIgnoreHash,
  findNewReplicaSet,
  maxRevision,
  maxSurge,
  replicasOf,
  REVISION_ANNOTATION,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicaSum,
} from './util.js';

export const DEPLOYMENT_KIND = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

/** Thrown when the new ReplicaSet's name is taken by another template: retried with collisionCount+1. */
export class HashCollisionError extends Error {
  override readonly name = 'HashCollisionError';
}

export interface SyncDeps {
  readonly client: RestClient;
  readonly recorder: EventRecorder;
  readonly signal: AbortSignal;
  /** Looks a ReplicaSet up in the informer cache. */
  readonly cachedReplicaSet: (namespace: string, name: string) => ReplicaSet | undefined;
  /** Syncs the deployment again after `ms`. */
  readonly requeueAfter: (ms: number) => void;
}

export class DeploymentSync {
  constructor(
    /** The deployment as last read or written in this sync. */
    public d: Deployment,
    /** The ReplicaSets it controls (as claimed at the start of the sync). */
    readonly rsList: ReplicaSet[],
    /** Its pods by controlling ReplicaSet uid (for Recreate). */
    readonly podMap: ReadonlyMap<string, readonly Pod[]>,
    readonly deps: SyncDeps,
  ) {}

  private get replicaSets() {
    return this.deps.client.resource<ReplicaSet>('apps', 'v1', 'replicasets');
  }

  private get namespace(): string {
    return this.d.metadata?.namespace ?? 'default';
  }

  async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.replicaSets.update(rs, { signal: this.deps.signal });
    const i = this.rsList.findIndex((r) => r.metadata?.uid === updated.metadata?.uid);
    if (i >= 0) this.rsList[i] = updated;
    return updated;
  }

  /** Writes the deployment's status (PUT status, conditional on its resourceVersion). */
  async updateStatus(status: Deployment['status']): Promise<void> {
    this.d = await this.deps.client
      .resource<Deployment>('apps', 'v1', 'deployments')
      .updateStatus({ ...this.d, status: status ?? {} }, { signal: this.deps.signal });
  }

  /** Scales to `newScale` if it differs; true when it did. */
  async scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number): Promise<[boolean, ReplicaSet]> {
    if (replicasOf(rs) === newScale) return [false, rs];
    const op = replicasOf(rs) < newScale ? 'up' : 'down';
    const updated = await this.scaleReplicaSet(rs, newScale, op);
    return [true, updated];
  }

  /** Sets spec.replicas and the desired/max-replicas annotations; a size change is an event. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, op: 'up' | 'down'): Promise<ReplicaSet> {
    const sizeChanges = replicasOf(rs) !== newScale;
    const copy = structuredClone(rs);
    const replicas = replicasOf(this.d);
    const annotationsChange = setReplicasAnnotations(copy, replicas, replicas + maxSurge(this.d));
    if (!sizeChanges && !annotationsChange) return rs;
    const oldScale = replicasOf(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    const updated = await this.updateReplicaSet(copy);
    if (sizeChanges) {
      void this.deps.recorder.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} from ${oldScale} to ${newScale}`, { signal: this.deps.signal });
    }
    return updated;
  }

  /** [new ReplicaSet (or undefined), old ReplicaSets], syncing revisions (getAllReplicaSetsAndSyncRevision). */
  async allReplicaSetsAndSyncRevision(createIfMissing: boolean): Promise<[ReplicaSet | undefined, ReplicaSet[]]> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const old = this.rsList.filter((rs) => rs !== existing);
    const newRS = await this.newReplicaSet(existing, old, createIfMissing);
    return [newRS, this.rsList.filter((rs) => rs.metadata?.uid !== newRS?.metadata?.uid)];
  }

  private async newReplicaSet(existing: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) return this.syncExistingNewReplicaSet(existing, newRevision);
    if (!createIfMissing) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async syncExistingNewReplicaSet(existing: ReplicaSet, newRevision: number): Promise<ReplicaSet> {
    const copy = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(this.d, copy, newRevision, true);
    const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (this.d.spec?.minReadySeconds ?? 0);
    if (annotationsChanged || minReadyChanged) {
      copy.spec = { ...copy.spec!, minReadySeconds: this.d.spec?.minReadySeconds ?? 0 };
      return this.updateReplicaSet(copy);
    }
    // The deployment carries the revision of its new ReplicaSet.
    const status = structuredClone(this.d.status ?? {});
    let needsUpdate = this.setDeploymentRevision(copy.metadata?.annotations?.[REVISION_ANNOTATION]);
    if (hasProgressDeadline(this.d) && !getCondition(status, 'Progressing')) {
      setCondition(status, newCondition('Progressing', 'True', Reason.FoundNewRS, `Found new replica set "${copy.metadata?.name}"`));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateDeploymentWithStatus(status);
    return copy;
  }

  private async createNewReplicaSet(oldRSs: readonly ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
    const d = this.d;
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata?.name}-${hash}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: this.namespace, labels: { ...template.metadata.labels }, ownerReferences: [newControllerRef(d, DEPLOYMENT_KIND)] },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false);

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.replicaSets.create(rs, { namespace: this.namespace, signal: this.deps.signal });
      this.rsList.push(created);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const found = this.deps.cachedReplicaSet(this.namespace, name) ?? (await this.fetchReplicaSet(name));
        if (found && getControllerOf(found)?.uid === d.metadata?.uid && equalIgnoreHash(found.spec?.template, d.spec?.template)) {
          // Ours, created by an earlier sync whose answer we missed.
          created = found;
          alreadyExisted = true;
        } else {
          // Another template hashed to the same name: bump collisionCount and try another name.
          const status = structuredClone(d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.updateStatus(status);
          throw new HashCollisionError(`found a hash collision for deployment "${d.metadata?.name}" - bumping collisionCount to ${status.collisionCount} to resolve it`);
        }
      } else {
        const message = `Failed to create new replica set "${name}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', Reason.FailedRSCreate, message));
          await this.updateStatus(status).catch(() => undefined);
        }
        void this.deps.recorder.event(d, 'Warning', 'FailedCreate', message, { signal: this.deps.signal });
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      void this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicas}`, { signal: this.deps.signal });
    }
    const status = structuredClone(this.d.status ?? {});
    let needsUpdate = this.setDeploymentRevision(String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(status, newCondition('Progressing', 'True', Reason.NewRSCreated, `Created new replica set "${name}"`));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateDeploymentWithStatus(status);
    return created;
  }

  private async fetchReplicaSet(name: string): Promise<ReplicaSet | undefined> {
    try {
      return await this.replicaSets.get(name, { namespace: this.namespace, signal: this.deps.signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Pending deployment revision annotation change (written by updateDeploymentWithStatus). */
  private pendingRevision: string | undefined;

  private setDeploymentRevision(revision: string | undefined): boolean {
    if (revision === undefined || this.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return false;
    this.pendingRevision = revision;
    return true;
  }

  /**
   * Writes the revision annotation (a metadata change: PUT on the object) and then the status.
   * Upstream writes both with one UpdateStatus call, whose registry keeps metadata changes; ours
   * takes status only through /status, so it is two writes.
   */
  private async updateDeploymentWithStatus(status: Deployment['status']): Promise<void> {
    if (this.pendingRevision !== undefined) {
      const copy = structuredClone(this.d);
      copy.metadata = { ...copy.metadata, annotations: { ...copy.metadata?.annotations, [REVISION_ANNOTATION]: this.pendingRevision } };
      this.d = await this.deps.client.resource<Deployment>('apps', 'v1', 'deployments').update(copy, { signal: this.deps.signal });
      this.pendingRevision = undefined;
    }
    if (JSON.stringify(status ?? {}) !== JSON.stringify(this.d.status ?? {})) await this.updateStatus(status);
  }
}

/** How many replicas the new ReplicaSet should have now (upstream's NewRSNewReplicas). */
export function newRSReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  if ((d.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return replicas;
  const current = specReplicaSum(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}
