/**
 * @module controllers/common/expectations
 *
 * Controller expectations (upstream's ControllerExpectations + UIDTrackingControllerExpectations):
 * after a controller asks for N creations or deletions, its informer cache is stale until the
 * watch delivers them. Until every expected event has been observed (or the record is older than
 * five minutes, in case an event was lost), `satisfied(key)` is false and the controller must not
 * create or delete again: a stale cache never makes it over-create or over-delete.
 *
 * Deletions are tracked by pod uid, so a pod that is first marked terminating and later removed
 * counts once.
 */
import { realClock, type Clock } from '../../client/index.js';

/** Upstream's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly clock: Clock = realClock) {}

  /** True when no creation or deletion is outstanding for the controller (or the record expired). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.clock.now() - r.at > EXPECTATIONS_TTL_MS;
  }

  /** Replaces what is expected: `adds` creations and the deletion of the pods with these uids. */
  expect(key: string, adds: number, deleteUids: readonly string[] = []): void {
    this.records.set(key, { adds, deletes: new Set(deleteUids), at: this.clock.now() });
  }

  expectCreations(key: string, count: number): void {
    this.expect(key, count);
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    this.expect(key, 0, uids);
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  /** `count` creations that will never be observed (the request failed or was skipped). */
  lowerCreations(key: string, count: number): void {
    const r = this.records.get(key);
    if (r) r.adds -= count;
  }

  deletionObserved(key: string, uid: string | undefined): void {
    if (uid) this.records.get(key)?.deletes.delete(uid);
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
