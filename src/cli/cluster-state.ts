/**
 * @module cli/cluster-state
 *
 * What makes a data dir "the same cluster" across restarts: its identity and shape, kept in
 * `<data-dir>/cluster.json` beside the store. `tskube up` on an existing data dir resumes it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterState {
  readonly uid: string;
  readonly createdAt: string;
  readonly nodes: number;
  readonly zones: string[];
  readonly storage: string;
  /** Index of the first node (names and host-mode addresses derive from it); absent = 1. */
  readonly firstNodeIndex?: number;
}

export function clusterStatePath(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

export function loadClusterState(dataDir: string): ClusterState | undefined {
  const path = clusterStatePath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
  } catch (err) {
    throw new Error(`${path} is unreadable (${(err as Error).message}); move it away to start a new cluster in this data dir.`);
  }
}

/** Writes atomically (temp file + rename), so a crash never leaves half a file. */
export function saveClusterState(dataDir: string, state: ClusterState): void {
  mkdirSync(dataDir, { recursive: true });
  const path = clusterStatePath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function newClusterState(shape: Omit<ClusterState, 'uid' | 'createdAt'>): ClusterState {
  return { uid: randomUUID(), createdAt: new Date().toISOString(), ...shape };
}
