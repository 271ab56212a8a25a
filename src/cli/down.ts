/**
 * @module cli/down
 *
 * `tskube down`: stops the `tskube up` running on a data dir (SIGTERM, then SIGKILL if it does not
 * stop in time) and makes sure no pod process of that cluster is left — also after a crash of
 * `tskube up`, when nothing stopped its pods: every node's container records are read and whatever
 * still runs in a container's process group is killed (the process runtime's own recovery).
 * The cluster's state stays in the data dir; `tskube up` resumes it.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ProcessRuntime } from '../kubelet/runtime/process/index.js';
import { createLogger } from '../log.js';
import { parsePositiveInt } from './parse.js';

const PID_FILE = 'tskube-up.pid';

/** Written by `tskube up` once it runs; removed when it stops cleanly. */
export function writeUpPid(dataDir: string): void {
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
}

export function removeUpPid(dataDir: string): void {
  rmSync(join(dataDir, PID_FILE), { force: true });
}

interface DownFlags {
  dataDir: string;
  timeout: number;
}

export function downCommand(): Command {
  return new Command('down')
    .description('stop the tskube up running on a data dir and every pod process of its cluster (the cluster state is kept)')
    .option('--data-dir <dir>', 'the data dir tskube up was started with', './.tskube')
    .option('--timeout <seconds>', 'how long to wait for a clean stop before killing it', parsePositiveInt, 60)
    .action((flags: DownFlags, command: Command) => runDown(flags, command));
}

async function runDown(flags: DownFlags, command: Command): Promise<void> {
  const dataDir = resolve(flags.dataDir);
  if (!existsSync(dataDir)) command.error(`error: ${dataDir} does not exist; pass the --data-dir tskube up was started with.`);
  const pid = runningUpPid(dataDir);
  if (pid === undefined) {
    process.stdout.write(`tskube down: no tskube up is running on ${dataDir}\n`);
  } else {
    process.kill(pid, 'SIGTERM');
    const stopped = await waitForExit(pid, flags.timeout * 1000);
    if (!stopped) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
    removeUpPid(dataDir);
    process.stdout.write(`tskube down: stopped tskube up (pid ${pid})${stopped ? '' : ` with SIGKILL after ${flags.timeout} s`}\n`);
  }
  await endPodProcesses(join(dataDir, 'nodes'));
  process.stdout.write('tskube down: no pod process left\n');
}

/** The pid in the pid file if that process still runs and is a tskube (pids are reused). */
function runningUpPid(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('up') && /tskube|cli\/main/.test(cmdline) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Ends whatever still runs of every node's containers (the process runtime's recovery does it). */
async function endPodProcesses(nodesDir: string): Promise<void> {
  let nodes: string[];
  try {
    nodes = readdirSync(nodesDir);
  } catch {
    return;
  }
  const log = createLogger('down');
  for (const node of nodes) {
    const runtime = new ProcessRuntime({ dataDir: join(nodesDir, node), log });
    await runtime.listContainers();
    await runtime.close();
  }
}
