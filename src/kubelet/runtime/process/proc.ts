/**
 * @module kubelet/runtime/process/proc
 *
 * What the runtime reads from /proc and how it signals process groups. A pid alone can be reused
 * by the kernel, so a process is always identified by (pid, start time): the start time in clock
 * ticks since boot, field 22 of /proc/<pid>/stat.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface ProcStat {
  readonly pid: number;
  /** One-letter state: R, S, D, Z (zombie), T... */
  readonly state: string;
  readonly pgrp: number;
  /** User + system CPU of the process and of its reaped children, in clock ticks. */
  readonly cpuTicks: number;
  /** Start time in clock ticks after boot. */
  readonly startTime: number;
}

/** Parses /proc/<pid>/stat; undefined when the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 of stat(5), so field n is fields[n - 3].
  const num = (n: number) => Number(fields[n - 3] ?? 'NaN');
  return {
    pid,
    state: fields[0] ?? '?',
    pgrp: num(5),
    cpuTicks: num(14) + num(15) + num(16) + num(17),
    startTime: num(22),
  };
}

/** True when `pid` runs (not a zombie) and is the same process that started at `startTime`. */
export function isSameProcessAlive(pid: number, startTime: number | undefined): boolean {
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/**
 * Every live process of process group `pgid` that started no earlier than `notBefore` (the group
 * leader's start time): a later group with the same number cannot be mistaken for it.
 */
export function groupMembers(pgid: number, notBefore?: number): ProcStat[] {
  const members: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pgid || stat.state === 'Z') continue;
    if (notBefore !== undefined && stat.startTime < notBefore) continue;
    members.push(stat);
  }
  return members;
}

/** Sends `signal` to process group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs what is left of a group that a previous agent run started (after its leader is gone,
 * the group number can only be reused once every member is gone, but a new group with the same
 * number may exist by now: only members started after the recorded leader are killed).
 */
export function killGroupRemnants(pgid: number, leaderStartTime: number | undefined): number {
  const members = groupMembers(pgid, leaderStartTime);
  for (const m of members) {
    try {
      process.kill(m.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return members.length;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status), 0 when unknown. */
export function readRssBytes(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return 0;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

let clockTicks: number | undefined;

/** sysconf(_SC_CLK_TCK): the unit of /proc CPU times (100 on every Linux tskube runs on). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const res = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 });
    const value = Number(res.stdout?.trim());
    clockTicks = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}
