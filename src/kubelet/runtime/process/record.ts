/**
 * @module kubelet/runtime/process/record
 *
 * The small JSON file kept per container in its sandbox (`containers/<id>.json`): enough for a
 * node agent restarted on the same data dir to list the containers of its previous run, find
 * their logs, and make sure none of their processes survived. Written atomically (temp file +
 * rename) at start and at exit. The environment is deliberately not recorded: it may hold secrets.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerState, RuntimeContainer } from '../interface.js';

export interface ContainerRecord {
  readonly id: string;
  readonly podUid: string;
  readonly name: string;
  readonly image: string;
  readonly restartCount: number;
  readonly logPath: string;
  /** The process (and process group) id while it runs. */
  pid?: number;
  /** /proc/<pid>/stat start time, so a reused pid is never taken for the container. */
  pidStartTime?: number;
  readonly startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  signal?: string;
  /** Forgotten by removeContainer: hidden from lists, its log stays readable by id. */
  removed?: boolean;
}

export function writeRecord(path: string, record: ContainerRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Every readable record under `containersDir`; unreadable or half-written files are skipped. */
export function readRecords(containersDir: string): ContainerRecord[] {
  let files: string[];
  try {
    files = readdirSync(containersDir);
  } catch {
    return [];
  }
  const records: ContainerRecord[] = [];
  for (const file of files) {
    if (!file.endsWith('.json')) continue;
    try {
      const record = JSON.parse(readFileSync(join(containersDir, file), 'utf8')) as ContainerRecord;
      if (typeof record.id === 'string' && typeof record.podUid === 'string') records.push(record);
    } catch {
      // A torn write from a crash: the temp file is never renamed, so this is another program's file.
    }
  }
  return records;
}

export function isExited(record: ContainerRecord): boolean {
  return record.finishedAt !== undefined;
}

export function toRuntimeContainer(record: ContainerRecord): RuntimeContainer {
  const startedAt = new Date(record.startedAt);
  const status: ContainerState = isExited(record)
    ? {
        state: 'exited',
        startedAt,
        finishedAt: new Date(record.finishedAt!),
        exitCode: record.exitCode ?? -1,
        reason: record.reason ?? 'Error',
        ...(record.message === undefined ? {} : { message: record.message }),
        ...(record.signal === undefined ? {} : { signal: record.signal }),
      }
    : { state: 'running', startedAt };
  return {
    id: record.id,
    podUid: record.podUid,
    name: record.name,
    restartCount: record.restartCount,
    image: record.image,
    ...(isExited(record) || record.pid === undefined ? {} : { pid: record.pid }),
    status,
  };
}

/** Exit code and reason as upstream reports them: 128 + n for signal n, "Completed" for 0. */
export function exitOutcome(code: number | null, signal: NodeJS.Signals | null): Pick<ContainerRecord, 'exitCode' | 'reason' | 'signal'> {
  if (signal) {
    return { exitCode: 128 + signalNumber(signal), reason: 'Error', signal };
  }
  const exitCode = code ?? 0;
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' };
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}
