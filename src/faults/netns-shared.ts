/**
 * @module faults/netns-shared
 *
 * What the network-namespace labs (faults/netns: one namespace and a veth; faults/netns-cluster:
 * a bridge and one namespace per node) share: the `ip` wrapper, the root/iproute2 probe, picking
 * an address block no host address or route overlaps, and cleanup that never depends on luck —
 * everything a lab creates is tracked for a synchronous exit hook, and names carry the creating
 * process's pid so cleanupStaleNamespaces() can remove what a killed test run left behind.
 */
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_NAMESPACE_PREFIX } from './iptables.js';

const run = promisify(execFile);

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  readonly code = 'FAULTS_NETNS';
}

export interface ExecResult {
  /** The exit code, or null when killed by a signal (or on timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Feeds `input` to a child with piped stdio and collects its output until it exits (or is killed at the timeout). */
export function collectOutput(child: ChildProcess, options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
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
}

/** SIGKILLs every child still running and waits (at most 2 s each) for them to exit. */
export async function killChildren(children: ReadonlySet<ChildProcess>): Promise<void> {
  await Promise.all(
    [...children].map(
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
    ),
  );
}

/** Something a lab created that must go when the process exits. */
export interface NetnsResources {
  removeSync(): void;
}

/** `tskube-test-<pid>-<suffix>`: namespaces of labs and clusters. */
const NAMESPACE_PATTERN = /^tskube-test-(\d+)-[\w]+$/;
/** `tk<pid><letter><n>`: veths (h/n: lab ends, v/w: cluster node ends) and bridges (b). */
const INTERFACE_PATTERN = /^tk(\d+)[hnvwb]\d+$/;

const tracked = new Set<NetnsResources>();
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

export function trackResources(resources: NetnsResources): void {
  installExitHook();
  tracked.add(resources);
}

export function untrackResources(resources: NetnsResources): void {
  tracked.delete(resources);
}

/**
 * Deletes `tskube-test-*` namespaces (and `tk<pid>…` interfaces) left by processes that no longer
 * run, e.g. a test run that was killed. Returns the namespaces it removed.
 */
export function cleanupStaleNamespaces(): string[] {
  const removed: string[] = [];
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (list.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = NAMESPACE_PATTERN.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    killNamespacePids(name);
    if (spawnSync('ip', ['netns', 'del', name]).status === 0) removed.push(name);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const line of (links.stdout ?? '').split('\n')) {
    const ifname = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '';
    const pid = INTERFACE_PATTERN.exec(ifname)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) spawnSync('ip', ['link', 'del', ifname]);
  }
  return removed;
}

/** SIGKILLs every process in the namespace (`ip netns pids`). */
export function killNamespacePids(name: string): void {
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
    for (const resources of [...tracked]) resources.removeSync();
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

export async function ip(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', [...args], { timeout: 15_000 });
    return stdout;
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim();
    throw new NetnsError(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** Sets a sysctl, ignoring failure (used for niceties such as disabling IPv6 on a link). */
export async function trySysctl(setting: string, namespace?: string): Promise<void> {
  const argv = ['sysctl', '-q', '-w', setting];
  await (namespace ? ip(['netns', 'exec', namespace, ...argv]) : run(argv[0]!, argv.slice(1))).catch(() => {});
}

export interface BlockRequest {
  /** The range to search, e.g. 10.213.0.0/16. */
  readonly base: string;
  readonly baseBits: number;
  /** The size of the block wanted, e.g. 30 for a /30. */
  readonly blockBits: number;
  /** Where the search starts (the pid, say), so parallel processes do not pick the same block. */
  readonly seed: number;
}

/** The first address of a block in `base` that no address or route of the host overlaps. */
export async function pickFreeBlock(request: BlockRequest): Promise<string> {
  const taken: [number, number][] = [];
  const addrs = JSON.parse(await ip(['-j', '-4', 'addr', 'show'])) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  for (const link of addrs) {
    for (const a of link.addr_info ?? []) if (a.local) taken.push(cidrRange(a.local, a.prefixlen ?? 32));
  }
  const routes = JSON.parse(await ip(['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default' || !/^\d/.test(r.dst)) continue;
    const [address = '', bits] = r.dst.split('/');
    taken.push(cidrRange(address, bits === undefined ? 32 : Number(bits)));
  }
  const blocks = 2 ** (request.blockBits - request.baseBits);
  const size = 2 ** (32 - request.blockBits);
  const base = addressToInt(request.base);
  const start = request.seed % blocks;
  for (let i = 0; i < blocks; i++) {
    const block = base + ((start + i) % blocks) * size;
    if (taken.some(([lo, hi]) => lo <= block + size - 1 && block <= hi)) continue;
    return intToAddress(block);
  }
  throw new NetnsError(`no free /${request.blockBits} left in ${request.base}/${request.baseBits}; run cleanupStaleNamespaces() or remove old test interfaces.`);
}

/** `address` + `offset`, e.g. offsetAddress('10.0.0.0', 2) = '10.0.0.2'. */
export function offsetAddress(address: string, offset: number): string {
  return intToAddress(addressToInt(address) + offset);
}

function cidrRange(address: string, bits: number): [number, number] {
  const size = 2 ** (32 - bits);
  const lo = Math.floor(addressToInt(address) / size) * size;
  return [lo, lo + size - 1];
}

function addressToInt(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function intToAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
