/**
 * @module faults/netns
 *
 * Kernel-level fault lab for tests: a network namespace joined to the host by a veth pair, with
 * one /30 from 10.213.0.0/16 between them (the host end `.1`, the namespace end `.2`). The
 * namespace has no default route and nothing forwards for it, so its traffic only ever goes to
 * the host's end of the veth. Tests run a client (any command, or a Node child process) inside it
 * and put iptables rules (faults/iptables) in its tables: real packet loss, real dead peers.
 *
 * ```ts
 * const lab = await createNetnsLab();
 * try {
 *   const client = lab.spawnNode(script, [lab.hostAddress, String(port)]);
 *   const rule = await lab.dropPackets({ sourcePort: clientPort }); // the seed's DROP
 *   await rule.remove();
 * } finally {
 *   await lab.close(); // or `await using lab = await createNetnsLab()`
 * }
 * ```
 *
 * Cleanup is never left to luck: close() kills what runs inside, deletes the veth and the
 * namespace; a process 'exit' hook (and SIGINT/SIGTERM) does the same for labs still open; and
 * namespaces are named `tskube-test-<pid>-<n>`, so cleanupStaleNamespaces() (run before every new
 * lab) removes those whose process is gone (a crashed or SIGKILLed test run).
 *
 * Needs root, iproute2 (`ip`) and iptables; netnsUnsupportedReason() says why a test must skip.
 */
import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';
import { insertDropRule, listRules, TEST_NAMESPACE_PREFIX, type DropRule, type InstalledRule } from './iptables.js';

const run = promisify(execFile);

export interface ExecResult {
  /** The exit code, or null when killed by a signal (or on timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NetnsLab extends AsyncDisposable {
  /** The namespace, `tskube-test-<pid>-<n>`. */
  readonly name: string;
  /** The veth end on the host, and its address: what a server in the test listens on. */
  readonly hostInterface: string;
  readonly hostAddress: string;
  /** The veth end inside the namespace, and its address: where the namespace's traffic comes from. */
  readonly namespaceInterface: string;
  readonly namespaceAddress: string;
  /** Runs `argv` inside the namespace to completion (never rejects on a non-zero exit). */
  exec(argv: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Starts `argv` inside the namespace; close() kills it if it still runs. */
  spawn(argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Starts `node -e script ...args` inside the namespace, stdio piped (CommonJS: use require). */
  spawnNode(script: string, args?: readonly string[]): ChildProcess;
  /** Inserts an iptables DROP rule in the namespace (default chain OUTPUT). */
  dropPackets(rule: DropRule): Promise<InstalledRule>;
  /** The namespace's iptables rules (`iptables -S` lines starting with -A). */
  rules(): Promise<string[]>;
  /** Kills what runs inside, deletes the veth pair and the namespace. Safe to call twice. */
  close(): Promise<void>;
}

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  readonly code = 'FAULTS_NETNS';
}

/** What a lab owns, kept where the synchronous exit hook can reach it. */
interface LabResources {
  readonly name: string;
  readonly hostInterface: string;
  readonly children: Set<ChildProcess>;
}

const NAME_PATTERN = /^tskube-test-(\d+)-[\w]+$/;
const VETH_PATTERN = /^tk(\d+)[hn]\d+$/;
const SUBNET_BLOCKS = 1 << 14; // /30 blocks in 10.213.0.0/16

const openLabs = new Map<string, LabResources>();
let nextLab = 0;
let exitHookInstalled = false;
let unsupported: string | undefined | null = null;

/** Why network-namespace tests cannot run here, or undefined when they can. Cached. */
export function netnsUnsupportedReason(): string | undefined {
  if (unsupported !== null) return unsupported;
  unsupported = probe();
  return unsupported;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespace tests need root (ip netns, iptables); run them as root or in CI';
  if (spawnSync('ip', ['-V']).status !== 0) return 'the ip command is missing; install iproute2 (apt-get install iproute2)';
  if (spawnSync('iptables', ['-V']).status !== 0) return 'iptables is missing; install it (apt-get install iptables)';
  const name = `${TEST_NAMESPACE_PREFIX}${process.pid}-probe`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace here (${add.stderr.trim() || 'ip netns add failed'}); a container needs CAP_SYS_ADMIN and CAP_NET_ADMIN`;
  spawnSync('ip', ['netns', 'del', name]);
  return undefined;
}

/** Creates a namespace with a veth pair to the host. Close it (or `await using` it) when done. */
export async function createNetnsLab(): Promise<NetnsLab> {
  const reason = netnsUnsupportedReason();
  if (reason) throw new NetnsError(reason);
  cleanupStaleNamespaces();
  installExitHook();
  const n = nextLab++;
  const name = `${TEST_NAMESPACE_PREFIX}${process.pid}-${n}`;
  const hostInterface = `tk${process.pid}h${n}`;
  const namespaceInterface = `tk${process.pid}n${n}`;
  if (hostInterface.length > 15) throw new NetnsError(`interface name ${hostInterface} is too long for Linux (15 characters).`);
  const resources: LabResources = { name, hostInterface, children: new Set() };
  openLabs.set(name, resources);
  let subnet: { hostAddress: string; namespaceAddress: string };
  try {
    subnet = await pickSubnet(n);
    await ip(['netns', 'add', name]);
    await ip(['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', namespaceInterface, 'netns', name]);
    // IPv6 would give both ends link-local addresses and send router solicitations; not needed.
    await run('sysctl', ['-q', '-w', `net.ipv6.conf.${hostInterface}.disable_ipv6=1`]).catch(() => {});
    await ip(['netns', 'exec', name, 'sysctl', '-q', '-w', `net.ipv6.conf.${namespaceInterface}.disable_ipv6=1`]).catch(() => {});
    await ip(['addr', 'add', `${subnet.hostAddress}/30`, 'dev', hostInterface]);
    await ip(['link', 'set', hostInterface, 'up']);
    await ip(['-n', name, 'addr', 'add', `${subnet.namespaceAddress}/30`, 'dev', namespaceInterface]);
    await ip(['-n', name, 'link', 'set', namespaceInterface, 'up']);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (err) {
    removeLabSync(resources);
    throw err;
  }

  let closing: Promise<void> | undefined;
  const lab: NetnsLab = {
    name,
    hostInterface,
    namespaceInterface,
    ...subnet,
    exec(argv, options = {}) {
      return new Promise((resolve) => {
        const child = lab.spawn(argv, { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          resolve({ code: null, stdout, stderr: stderr + err.message });
        });
        // A command that exits before reading its input must not crash the caller with EPIPE.
        child.stdin?.on('error', () => {});
        child.stdin?.end(options.input ?? '');
      });
    },
    spawn(argv, options = {}) {
      if (closing) throw new NetnsError(`lab ${name} is closed.`);
      const child = spawn('ip', ['netns', 'exec', name, ...argv], { stdio: 'pipe', ...options });
      resources.children.add(child);
      child.once('exit', () => resources.children.delete(child));
      return child;
    },
    spawnNode(script, args = []) {
      return lab.spawn([process.execPath, '-e', script, '--', ...args]);
    },
    dropPackets: (rule) => insertDropRule(name, rule),
    rules: () => listRules(name),
    close() {
      closing ??= removeLab(resources);
      return closing;
    },
    [Symbol.asyncDispose]() {
      return lab.close();
    },
  };
  return lab;
}

/**
 * Deletes `tskube-test-*` namespaces (and `tk<pid>…` veths) left by processes that no longer run,
 * e.g. a test run that was killed. Returns the namespaces it removed.
 */
export function cleanupStaleNamespaces(): string[] {
  const removed: string[] = [];
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (list.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = NAME_PATTERN.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    killNamespacePids(name);
    if (spawnSync('ip', ['netns', 'del', name]).status === 0) removed.push(name);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const line of (links.stdout ?? '').split('\n')) {
    const ifname = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '';
    const pid = VETH_PATTERN.exec(ifname)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) spawnSync('ip', ['link', 'del', ifname]);
  }
  return removed;
}

async function removeLab(resources: LabResources): Promise<void> {
  const exits = [...resources.children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(resolve, 2000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(exits);
  removeLabSync(resources);
}

/** Synchronous, so the 'exit' hook can use it: kill everything inside, delete veth and namespace. */
function removeLabSync(resources: LabResources): void {
  for (const child of resources.children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  killNamespacePids(resources.name);
  spawnSync('ip', ['link', 'del', resources.hostInterface]);
  spawnSync('ip', ['netns', 'del', resources.name]);
  openLabs.delete(resources.name);
}

function killNamespacePids(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const removeAll = () => {
    for (const resources of [...openLabs.values()]) removeLabSync(resources);
  };
  process.on('exit', removeAll);
  // Ctrl-C or a runner's SIGTERM skips 'exit' hooks. Clean up, then, if nobody else handles the
  // signal, let it do what it would have done without us (end the process).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      removeAll();
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ip(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', [...args], { timeout: 15_000 });
    return stdout;
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim();
    throw new NetnsError(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/**
 * A /30 in 10.213.0.0/16 that no address or route of the host overlaps; where the search starts
 * depends on the pid, so labs of parallel test processes do not pick the same one.
 */
async function pickSubnet(n: number): Promise<{ hostAddress: string; namespaceAddress: string }> {
  const taken: [number, number][] = [];
  const addrs = JSON.parse(await ip(['-j', '-4', 'addr', 'show'])) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  for (const link of addrs) {
    for (const a of link.addr_info ?? []) if (a.local) taken.push(range(a.local, a.prefixlen ?? 32));
  }
  const routes = JSON.parse(await ip(['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default' || !/^\d/.test(r.dst)) continue;
    const [address = '', bits] = r.dst.split('/');
    taken.push(range(address, bits === undefined ? 32 : Number(bits)));
  }
  const base = toInt('10.213.0.0');
  const start = (process.pid * 16 + n) % SUBNET_BLOCKS;
  for (let i = 0; i < SUBNET_BLOCKS; i++) {
    const block = base + ((start + i) % SUBNET_BLOCKS) * 4;
    if (taken.some(([lo, hi]) => lo <= block + 3 && block <= hi)) continue;
    return { hostAddress: toDotted(block + 1), namespaceAddress: toDotted(block + 2) };
  }
  throw new NetnsError('no free /30 left in 10.213.0.0/16; run cleanupStaleNamespaces() or remove old test interfaces.');
}

function range(address: string, bits: number): [number, number] {
  const size = 2 ** (32 - bits);
  const lo = Math.floor(toInt(address) / size) * size;
  return [lo, lo + size - 1];
}

function toInt(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
