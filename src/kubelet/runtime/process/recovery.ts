/**
 * @module kubelet/runtime/process/recovery
 *
 * What a node agent finds on start in a data dir a previous run used. tskube does not adopt the
 * previous run's containers: it could no longer capture their output or learn their exit code.
 * Their main processes died with the old agent (pdeathsig); anything else left in their process
 * groups is SIGKILLed here, and each is reported as exited (137, SIGKILL) so the pod worker
 * restarts it according to the pod's restartPolicy.
 */
import type { Logger } from '../../../log.js';
import type { SandboxLayout } from './layout.js';
import { readdirSync } from 'node:fs';
import { isExited, readRecords, writeRecord, type ContainerRecord } from './record.js';
import { isSameProcessAlive, killGroupRemnants, signalGroup } from './proc.js';

export const ORPHANED_MESSAGE = 'the node agent that started this container exited; its processes were killed';

/** Reads every container record under the data dir, ending the containers of a previous run. */
export function recoverContainers(layout: SandboxLayout, log: Logger): ContainerRecord[] {
  let pods: string[];
  try {
    pods = readdirSync(layout.podsDir);
  } catch {
    return [];
  }
  const records: ContainerRecord[] = [];
  for (const uid of pods) {
    let dir: string;
    try {
      dir = layout.containersDir(uid);
    } catch {
      continue; // Not a pod uid this runtime wrote.
    }
    for (const record of readRecords(dir)) {
      if (!isExited(record)) endOrphan(layout, record, log);
      records.push(record);
    }
  }
  return records;
}

function endOrphan(layout: SandboxLayout, record: ContainerRecord, log: Logger): void {
  let killed = 0;
  if (record.pid !== undefined) {
    // The leader should be gone (pdeathsig); if a set-uid exec cleared that, end it now.
    if (isSameProcessAlive(record.pid, record.pidStartTime) && signalGroup(record.pid, 'SIGKILL')) killed++;
    killed += killGroupRemnants(record.pid, record.pidStartTime);
  }
  record.finishedAt = new Date().toISOString();
  record.exitCode = 137;
  record.reason = 'Error';
  record.signal = 'SIGKILL';
  record.message = ORPHANED_MESSAGE;
  writeRecord(layout.recordPath(record.podUid, record.id), record);
  log.info({ container: record.name, pod: record.podUid, id: record.id, killed }, 'container of a previous node agent run reported as exited');
}
