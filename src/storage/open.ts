/**
 * @module storage/open
 *
 * Turns a `--storage` setting into an engine: `sqlite` (the default, a file under the data dir),
 * `memory` (nothing survives a restart) or `etcd://host:port[,host:port...]`.
 */
import { join } from 'node:path';
import type { KV } from './interface.js';
import { MemoryKV } from './memory/memory-kv.js';
import { SqliteKV } from './sqlite/sqlite-kv.js';

export type StorageSpec =
  | { readonly engine: 'sqlite'; readonly path: string }
  | { readonly engine: 'memory' }
  | { readonly engine: 'etcd'; readonly endpoints: string[] };

export class StorageSpecError extends Error {
  override readonly name = 'StorageSpecError';
}

/** Parses a `--storage` value; throws StorageSpecError with the fix in its message. */
export function parseStorageSpec(value: string, dataDir: string): StorageSpec {
  if (value === 'sqlite') return { engine: 'sqlite', path: join(dataDir, 'state.sqlite') };
  if (value === 'memory') return { engine: 'memory' };
  if (value.startsWith('etcd://')) {
    const endpoints = value.slice('etcd://'.length).split(',').map((hostPort) => hostPort.trim());
    for (const hostPort of endpoints) {
      const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(hostPort);
      if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
        throw new StorageSpecError(`invalid etcd endpoint ${JSON.stringify(hostPort)}: use etcd://host:port[,host:port...]`);
      }
    }
    return { engine: 'etcd', endpoints: endpoints.map((hostPort) => `http://${hostPort}`) };
  }
  throw new StorageSpecError(`unknown storage ${JSON.stringify(value)}: use sqlite, memory or etcd://host:port[,host:port...]`);
}

export async function openStorage(spec: StorageSpec): Promise<KV> {
  switch (spec.engine) {
    case 'sqlite':
      return new SqliteKV({ path: spec.path });
    case 'memory':
      return new MemoryKV();
    case 'etcd': {
      // Loaded only when used: the gRPC stack costs start-up time the embedded default never needs.
      const { EtcdKV } = await import('./etcd/etcd-kv.js');
      return EtcdKV.open({ endpoints: spec.endpoints });
    }
  }
}

export function describeStorage(spec: StorageSpec): string {
  switch (spec.engine) {
    case 'sqlite':
      return `embedded SQLite at ${spec.path}`;
    case 'memory':
      return 'in memory (nothing survives a restart)';
    case 'etcd':
      return `etcd at ${spec.endpoints.join(', ')}`;
  }
}
