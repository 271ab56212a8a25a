/**
 * The kernel-level scenario setup shared by L1 (the seed's DROP rule) and P1 (random packet loss):
 *
 *   host (this test process)                       network namespace (faults/netns)
 *   ┌──────────────────────────────────┐  veth    ┌──────────────────────────────────────┐
 *   │ API server on lab.hostAddress    │◄────────►│ netns-agent.ts (node --import tsx):  │
 *   │ node lifecycle controller        │          │   one node agent, optionally a       │
 *   │ admin client (writes, checks)    │          │   watching + reading client          │
 *   └──────────────────────────────────┘          │ iptables DROP rules (the fault)      │
 *                                                 └──────────────────────────────────────┘
 *
 * The controller and the admin client dial the same address from the host, which the kernel
 * delivers locally: the rules inside the namespace never touch their packets. Everything made here
 * is torn down by close(), in reverse order, each step on its own so that one failing step does
 * not leave the others behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execFile, type ChildProcess } from 'node:child_process';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../src/api/object.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/start.js';
import { loadKubeconfig, RestClient } from '../../../src/client/index.js';
import { NodeLifecycleController } from '../../../src/controllers/nodelifecycle/controller.js';
import type { NodeLifecycleConfig } from '../../../src/controllers/nodelifecycle/config.js';
import { createNetnsLab, type NetnsLab } from '../../../src/faults/netns.js';
import { createLogger } from '../../../src/log.js';
import { MemoryKV } from '../../../src/storage/memory/memory-kv.js';
import type { AgentOptions } from './netns-agent.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const AGENT_SCRIPT = join(HERE, 'netns-agent.ts');

/** The scaled timing of every lifecycle scenario (upstream ÷ 10). */
export const SCALED_LIFECYCLE: Partial<NodeLifecycleConfig> = {
  nodeMonitorPeriodMs: 500,
  nodeMonitorGracePeriodMs: 5_000,
  nodeStartupGracePeriodMs: 6_000,
  nodeEvictionRate: 1,
};
export const SCALED_AGENT = {
  leaseDurationSeconds: 4,
  nodeStatusUpdateFrequencyMs: 1_000,
  requestTimeoutMs: 1_000,
  // client-go's HTTP/2 health check (30 s read idle, 15 s ping timeout), scaled the same way.
  transport: { readIdleTimeoutMs: 3_000, pingTimeoutMs: 1_500 },
} as const;

export interface NetnsCluster {
  readonly lab: NetnsLab;
  readonly api: RunningApiServer;
  /** The API server's port on lab.hostAddress. */
  readonly port: number;
  /** https://<lab.hostAddress>:<port> */
  readonly server: string;
  readonly admin: RestClient;
  readonly controller: NodeLifecycleController;
  /** Node name → status of its Ready condition ('Unknown' when it has none). */
  readyStatus(): Promise<Map<string, string>>;
  /** Two pods bound to `node`, tolerating not-ready/unreachable for `tolerationSeconds`. */
  createPods(node: string, tolerationSeconds: number): Promise<void>;
  /** Names of pods not being deleted, sorted. */
  podNames(): Promise<string[]>;
  spawnAgent(options: Omit<AgentOptions, 'kubeconfig' | 'server'>): Agent;
  /** The namespace's TCP sockets to the API server in any state, as `ss` sees them (state e.g. ESTAB, FIN-WAIT-1). */
  connections(): Promise<{ state: string; localPort: number; recvQ: number; sendQ: number; pid?: number }[]>;
  /** Packets each DROP rule in the namespace has dropped so far (`iptables -L -v -x`). */
  dropCounters(): Promise<{ chain: 'INPUT' | 'OUTPUT'; rule: string; packets: number }[]>;
  /**
   * TCP counters of the namespace (/proc/net/snmp). An OUTPUT DROP fails the send locally, so TCP
   * sends the segment again on its timer without counting a retransmission here; segments dropped
   * on INPUT are retransmitted by the API server's side (serverRetransmits).
   */
  tcpCounters(): Promise<{ outSegs: number; retransSegs: number; inSegs: number }>;
  /** Segments the API server retransmitted on its open connections to the namespace (`ss -ti` on the host). */
  serverRetransmits(): Promise<number>;
  /** Registers a teardown step, run (in reverse order of registration) by close(). */
  defer(step: () => unknown): void;
  close(): Promise<void>;
}

/** One JSON line the agent printed. */
export type AgentLine = { event: string; t: number } & Record<string, unknown>;

export interface Agent {
  readonly child: ChildProcess;
  readonly lines: AgentLine[];
  /** What the agent logged to stderr (kept to the last 64 KiB). */
  stderr(): string;
  /** Resolves with the first line (from `from` on) that matches; rejects after timeoutMs or if the agent exits. */
  waitFor(match: (line: AgentLine) => boolean, timeoutMs: number, what: string, from?: number): Promise<AgentLine>;
  /** Asks the agent to stop and resolves with its summary line (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<AgentLine | undefined>;
}

type PodObj = Pod & KubeObject;

export async function startNetnsCluster(lifecycle: Partial<NodeLifecycleConfig>): Promise<NetnsCluster> {
  const steps: (() => unknown)[] = [];
  const defer = (step: () => unknown) => void steps.push(step);
  const close = async () => {
    const errors: unknown[] = [];
    while (steps.length > 0) {
      try {
        await steps.pop()!();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `netns cluster teardown: ${errors.length} step(s) failed`);
  };
  try {
    const lab = await createNetnsLab();
    defer(() => lab.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'tskube-netns-'));
    defer(() => rmSync(dataDir, { recursive: true, force: true }));
    const kv = new MemoryKV();
    defer(() => kv.close());
    // The serving certificate must name the address the agent dials.
    const api = await startApiServer({ kv, dataDir, host: lab.hostAddress, port: 0, hosts: [lab.hostAddress] });
    defer(() => api.close());
    const port = Number(new URL(api.url).port);
    const server = `https://${lab.hostAddress}:${port}`;
    const log = createLogger('netns-scenario');
    const admin = new RestClient({ config: await loadKubeconfig({ path: api.kubeconfigPath }), log });
    defer(() => admin.close());
    const controllerStop = new AbortController();
    const controller = new NodeLifecycleController({ client: admin, log: log.child({ controller: 'node-lifecycle' }), config: lifecycle });
    const controllerDone = controller.run(controllerStop.signal);
    defer(async () => {
      controllerStop.abort();
      await controllerDone;
    });
    const pods = admin.resource<PodObj>('', 'v1', 'pods');

    const cluster: NetnsCluster = {
      lab,
      api,
      port,
      server,
      admin,
      controller,
      defer,
      close,
      async readyStatus() {
        const list = await admin.resource('', 'v1', 'nodes').list();
        return new Map(
          list.items.map((n) => {
            const conditions = (n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
            return [n.metadata!.name!, conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown'] as const;
          }),
        );
      },
      async createPods(node, tolerationSeconds) {
        for (let i = 0; i < 2; i++) {
          await pods.create(
            {
              metadata: { name: `${node}-pod-${i}`, namespace: 'default' },
              spec: {
                nodeName: node,
                containers: [{ name: 'c', image: 'tskube/pause' }],
                tolerations: ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds })),
              },
            },
            { namespace: 'default' },
          );
        }
      },
      async podNames() {
        const list = await pods.list({ namespace: 'default' });
        return list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
      },
      spawnAgent(options) {
        const agentOptions: AgentOptions = { ...options, kubeconfig: api.kubeconfigPath, server };
        const child = lab.spawn([process.execPath, '--import', 'tsx', AGENT_SCRIPT, JSON.stringify(agentOptions)], {
          cwd: REPO,
          env: { ...process.env, TSKUBE_LOG_LEVEL: process.env.TSKUBE_LOG_LEVEL ?? 'warn' },
        });
        const agent = watchAgent(child);
        defer(() => agent.stop(2_000));
        return agent;
      },
      async connections() {
        const res = await execIn(lab, ['ss', '-Htnap', 'dst', `${lab.hostAddress}:${port}`]);
        // State Recv-Q Send-Q Local:Port Peer:Port [users:(("node",pid=123,fd=21))]
        return res.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f.length >= 5)
          .map(([state, recvQ, sendQ, local, , users]) => {
            const pid = /pid=(\d+)/.exec(users ?? '')?.[1];
            return { state: state!, localPort: Number(local!.slice(local!.lastIndexOf(':') + 1)), recvQ: Number(recvQ), sendQ: Number(sendQ), ...(pid && { pid: Number(pid) }) };
          });
      },
      async dropCounters() {
        const out: { chain: 'INPUT' | 'OUTPUT'; rule: string; packets: number }[] = [];
        for (const chain of ['INPUT', 'OUTPUT'] as const) {
          const res = await execIn(lab, ['iptables', '-w', '5', '-L', chain, '-v', '-n', '-x']);
          // pkts bytes target prot opt in out source destination [match...]
          for (const line of res.stdout.split('\n').slice(2)) {
            const f = line.trim().split(/\s+/);
            if (f[2] === 'DROP') out.push({ chain, rule: f.slice(3).join(' '), packets: Number(f[0]) });
          }
        }
        return out;
      },
      async tcpCounters() {
        const res = await execIn(lab, ['cat', '/proc/net/snmp']);
        const [names, values] = res.stdout.split('\n').filter((l) => l.startsWith('Tcp:'));
        const fields = new Map((names ?? '').split(/\s+/).map((n, i) => [n, Number((values ?? '').split(/\s+/)[i])] as const));
        return { outSegs: fields.get('OutSegs') ?? NaN, retransSegs: fields.get('RetransSegs') ?? NaN, inSegs: fields.get('InSegs') ?? NaN };
      },
      async serverRetransmits() {
        const { stdout } = await run('ss', ['-Htin', 'src', `${lab.hostAddress}:${port}`, 'dst', lab.namespaceAddress], { timeout: 5_000 });
        // "retrans:<unacknowledged>/<total>" per socket
        return [...stdout.matchAll(/\bretrans:\d+\/(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      },
    };
    return cluster;
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/**
 * `lab.exec` without its stdin pipe: lab.exec ends the child's stdin without an 'error' listener,
 * so a command that exits first (ss, cat, under CPU load) crashes the test with an uncaught EPIPE.
 */
function execIn(lab: NetnsLab, argv: readonly string[], timeoutMs = 5_000): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = lab.spawn(argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ code, stdout });
      else reject(new Error(`${argv.join(' ')} in ${lab.name} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

function watchAgent(child: ChildProcess): Agent {
  const lines: AgentLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let exited = false;
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as AgentLine);
    } catch {
      lines.push({ event: 'text', t: Date.now(), text });
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-64 * 1024);
  });
  child.stdin?.on('error', () => {}); // EPIPE when it is already gone
  // 'close', not 'exit': stdout is read to its end first, so the summary line is not missed.
  const exit = new Promise<void>((r) => child.once('close', () => r()));
  void exit.then(() => {
    exited = true;
    for (const wake of waiters) wake();
  });
  const agent: Agent = {
    child,
    lines,
    stderr: () => stderr,
    waitFor(match, timeoutMs, what, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.slice(from).find(match);
          if (found) done(() => resolve(found));
          else if (exited) done(() => reject(new Error(`the agent exited (code ${child.exitCode}, signal ${child.signalCode}) before ${what}; its last lines: ${tail()}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the agent's last lines: ${tail()}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(timeoutMs = 5_000) {
      if (!exited) {
        child.stdin?.end('stop\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exit;
        clearTimeout(timer);
      }
      return lines.find((l) => l.event === 'summary');
    },
  };
  const tail = () => `${JSON.stringify(lines.slice(-5))}; stderr: ${stderr.slice(-2000)}`;
  return agent;
}
