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
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { insertDropRule, listRules, TEST_NAMESPACE_PREFIX, type DropRule, type InstalledRule } from './iptables.js';
import {
  cleanupStaleNamespaces,
  ip,
  killChildren,
  killNamespacePids,
  NetnsError,
  netnsUnsupportedReason,
  offsetAddress,
  pickFreeBlock,
  trackResources,
  trySysctl,
  untrackResources,
  collectOutput,
  type ExecResult,
  type NetnsResources,
} from './netns-shared.js';

export { cleanupStaleNamespaces, NetnsError, netnsUnsupportedReason, type ExecResult };

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

/** What a lab owns, kept where the synchronous exit hook can reach it. */
interface LabResources extends NetnsResources {
  readonly name: string;
  readonly hostInterface: string;
  readonly children: Set<ChildProcess>;
}

let nextLab = 0;

/** Creates a namespace with a veth pair to the host. Close it (or `await using` it) when done. */
export async function createNetnsLab(): Promise<NetnsLab> {
  const reason = netnsUnsupportedReason();
  if (reason) throw new NetnsError(reason);
  cleanupStaleNamespaces();
  const n = nextLab++;
  const name = `${TEST_NAMESPACE_PREFIX}${process.pid}-${n}`;
  const hostInterface = `tk${process.pid}h${n}`;
  const namespaceInterface = `tk${process.pid}n${n}`;
  if (hostInterface.length > 15) throw new NetnsError(`interface name ${hostInterface} is too long for Linux (15 characters).`);
  const resources: LabResources = { name, hostInterface, children: new Set(), removeSync: () => removeLabSync(resources) };
  trackResources(resources);
  let subnet: { hostAddress: string; namespaceAddress: string };
  try {
    const block = await pickFreeBlock({ base: '10.213.0.0', baseBits: 16, blockBits: 30, seed: process.pid * 16 + n });
    subnet = { hostAddress: offsetAddress(block, 1), namespaceAddress: offsetAddress(block, 2) };
    await ip(['netns', 'add', name]);
    await ip(['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', namespaceInterface, 'netns', name]);
    // IPv6 would give both ends link-local addresses and send router solicitations; not needed.
    await trySysctl(`net.ipv6.conf.${hostInterface}.disable_ipv6=1`);
    await trySysctl(`net.ipv6.conf.${namespaceInterface}.disable_ipv6=1`, name);
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
      return collectOutput(lab.spawn(argv, { stdio: ['pipe', 'pipe', 'pipe'] }), options);
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

async function removeLab(resources: LabResources): Promise<void> {
  await killChildren(resources.children);
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
  untrackResources(resources);
}


