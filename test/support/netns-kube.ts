/**
 * @module test/support/netns-kube
 *
 * A whole tskube cluster in the netns networking mode, for scenario tests (root only):
 *
 *   host ── API server on the bridge address (service range 10.96.0.0/12), controller manager,
 *   │       scheduler and cluster DNS (bridge address, port 53) in this process
 *   │ bridge
 *   ├── node namespace 1: `tskube node --network netns` (kubelet, kubelet API, service proxy),
 *   │                     its pods as processes inside the namespace, pod CIDR 10.244.1.0/24
 *   ├── node namespace 2: ...
 *
 * Each node agent is a child process started inside its node's namespace, as a real node's
 * kubelet and kube-proxy run on that node. Pods reach the cluster DNS the way upstream pods reach
 * CoreDNS: their resolv.conf names the `kube-dns` Service (10.96.0.10), their node's proxy
 * forwards to its endpoint — here the DNS server on the host, so that Service's Endpoints and
 * EndpointSlice are managed by hand (a Service without a selector, as for any external backend).
 *
 * kubectl runs on the host against the bridge address with a private HOME. `close()` stops the
 * agents (their pods with them), the namespaces, the control plane, and removes the data dir.
 */
import type { ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoints, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/start.js';
import { runControllerManager } from '../../src/cli/controller-manager.js';
import { runScheduler } from '../../src/cli/scheduler.js';
import { loadKubeconfig, RestClient, type ClientConfig } from '../../src/client/index.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG } from '../../src/controllers/nodelifecycle/config.js';
import { DnsServer } from '../../src/dns/index.js';
import { createNetnsCluster, type NetnsCluster, type NetnsNode } from '../../src/faults/netns-cluster.js';
import { createLogger } from '../../src/log.js';
import { MemoryKV } from '../../src/storage/memory/memory-kv.js';
import { eventually } from './apiserver.js';
import { podProcessesUnder } from './full-cluster.js';
import { runKubectl } from './kubectl.js';

type NodeObj = Node & KubeObject;
type PodObj = Pod & KubeObject;

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MAIN = join(REPO, 'src/cli/main.ts');

/** The netns service range and the cluster DNS Service's address in it (kubeadm's choices). */
export const NETNS_SERVICE_CIDR = '10.96.0.0/12';
export const CLUSTER_DNS_IP = '10.96.0.10';

export interface NetnsKubeOptions {
  /** One entry per node namespace, in order: node i gets pod CIDR 10.244.i.0/24. */
  readonly nodes: readonly { readonly name: string; readonly zone: string }[];
  /** Run the cluster DNS and its kube-dns Service (default true). */
  readonly dns?: boolean;
}

export interface NetnsKubeNode {
  readonly name: string;
  readonly zone: string;
  /** The node's namespace: run clients inside it with `netns.exec` / `netns.spawn`. */
  readonly netns: NetnsNode;
  /** What the agent printed (stdout and stderr), for failure messages. */
  output(): string;
}

export interface NetnsKube {
  readonly network: NetnsCluster;
  readonly api: RunningApiServer;
  readonly config: ClientConfig;
  readonly client: RestClient;
  readonly dataDir: string;
  readonly nodes: readonly NetnsKubeNode[];
  node(name: string): NetnsKubeNode;
  kubectl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** Applies a manifest with kubectl; throws with kubectl's stderr if it fails. */
  apply(manifest: string): Promise<void>;
  pods(namespace?: string, labelSelector?: string): Promise<PodObj[]>;
  /** Waits until `count` pods matching the selector run with every container ready. */
  waitForReadyPods(labelSelector: string, count: number, timeoutMs?: number, namespace?: string): Promise<PodObj[]>;
  /** Pids of live pod processes (containers, exec, hooks) of this cluster: empty after close(). */
  podProcesses(): number[];
  close(): Promise<void>;
}

export async function startNetnsKube(options: NetnsKubeOptions): Promise<NetnsKube> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tskube-netns-kube-'));
  const log = createLogger('netns-kube');
  const stop = new AbortController();
  setMaxListeners(100, stop.signal);
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const network = await createNetnsCluster({ nodes: options.nodes.length, serviceCIDR: NETNS_SERVICE_CIDR });
    cleanups.push(() => network.close());

    const kv = new MemoryKV();
    const api = await startApiServer({ kv, dataDir, host: network.hostAddress, port: 0, services: { serviceClusterIPRange: NETNS_SERVICE_CIDR } });
    cleanups.push(async () => {
      await api.close();
      await kv.close();
    });
    const config = await loadKubeconfig({ path: api.kubeconfigPath });
    const client = new RestClient({ config, log });
    cleanups.push(() => client.close());

    const components = [
      runControllerManager({ clientConfig: config, config: DEFAULT_NODE_LIFECYCLE_CONFIG, log: log.child({ component: 'controller-manager' }), leaderElect: false, signal: stop.signal }),
      runScheduler({ clientConfig: config, log: log.child({ component: 'scheduler' }), leaderElect: false, signal: stop.signal }),
    ];
    cleanups.push(async () => {
      stop.abort();
      await Promise.allSettled(components);
    });

    if (options.dns ?? true) {
      const dnsClient = new RestClient({ config, log, userAgent: 'tskube-dns' });
      const dns = new DnsServer({ client: dnsClient, log: log.child({ component: 'dns' }), listen: `${network.hostAddress}:53` });
      await dns.start();
      const dnsRun = dns.run(stop.signal);
      cleanups.push(async () => {
        stop.abort();
        await dnsRun.catch(() => {});
        await dns.close();
        dnsClient.close();
      });
      await createKubeDnsService(client, network.hostAddress);
    }

    const nodes = options.nodes.map((spec, i) => startAgent(network.nodes[i]!, spec, api.kubeconfigPath, join(dataDir, 'nodes')));
    // Agents first (SIGTERM: they stop their pods), then the namespaces (whatever is left).
    cleanups.push(() => Promise.all(nodes.map((n) => n.stop())).then(() => undefined));

    const env = { ...process.env, HOME: join(dataDir, 'home'), KUBECONFIG: api.kubeconfigPath };
    const kube: NetnsKube = {
      network,
      api,
      config,
      client,
      dataDir,
      nodes,
      node(name) {
        const found = nodes.find((n) => n.name === name);
        if (!found) throw new Error(`no node ${name}`);
        return found;
      },
      kubectl: (...args) => runKubectl(args, { env }),
      async apply(manifest) {
        const r = await runKubectl(['apply', '-f', '-'], { env, input: manifest });
        if (r.status !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
      },
      async pods(namespace = 'default', labelSelector) {
        return (await client.resource<PodObj>('', 'v1', 'pods').list({ namespace, ...(labelSelector && { labelSelector }) })).items;
      },
      async waitForReadyPods(labelSelector, count, timeoutMs = 60_000, namespace = 'default') {
        let ready: PodObj[] = [];
        await eventually(
          async () => {
            const pods = await kube.pods(namespace, labelSelector);
            ready = pods.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
            return ready.length === count;
          },
          timeoutMs,
          `${count} ready pods with ${labelSelector}`,
        );
        return ready;
      },
      podProcesses: () => podProcessesUnder(dataDir),
      close,
    };
    await eventually(
      async () => {
        const list = await client.resource<NodeObj>('', 'v1', 'nodes').list();
        return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes.length;
      },
      60_000,
      'every node agent registered and Ready',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${nodes.map((n) => `--- ${n.name}\n${n.output().slice(-2000)}`).join('\n')}`);
    });
    return kube;
  } catch (err) {
    await close();
    throw err;
  }
}

interface RunningAgent extends NetnsKubeNode {
  stop(): Promise<void>;
}

function startAgent(netns: NetnsNode, spec: { name: string; zone: string }, kubeconfig: string, dataDir: string): RunningAgent {
  const child: ChildProcess = netns.spawn(
    [
      process.execPath, '--import', 'tsx', MAIN, 'node',
      '--kubeconfig', kubeconfig,
      '--network', 'netns',
      '--address', netns.address,
      '--pod-cidr', netns.podCIDR,
      '--count', '1',
      '--name', spec.name,
      '--zones', spec.zone,
      '--runtime', 'process',
      '--data-dir', dataDir,
      '--cluster-dns', CLUSTER_DNS_IP,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TSKUBE_LOG_LEVEL: process.env.TSKUBE_LOG_LEVEL ?? 'warn' } },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
  });
  return {
    name: spec.name,
    zone: spec.zone,
    netns,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * kube-dns in kube-system at 10.96.0.10, UDP and TCP port 53, with its one endpoint — the DNS
 * server on the host's bridge address — written by hand, as for any Service without a selector.
 */
async function createKubeDnsService(client: RestClient, hostAddress: string): Promise<void> {
  const ns = { namespace: 'kube-system' };
  const labels = { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' };
  await client.resource<Service & KubeObject>('', 'v1', 'services').create(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels },
      spec: {
        clusterIP: CLUSTER_DNS_IP,
        ports: [
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
        ],
      },
    },
    ns,
  );
  await client.resource<Endpoints & KubeObject>('', 'v1', 'endpoints').create(
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels },
      subsets: [{ addresses: [{ ip: hostAddress }], ports: [{ name: 'dns', protocol: 'UDP', port: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53 }] }],
    },
    ns,
  );
  await client.resource<EndpointSlice & KubeObject>('discovery.k8s.io', 'v1', 'endpointslices').create(
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kube-dns-host', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'netns-kube.tskube.io' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [hostAddress], conditions: { ready: true, serving: true, terminating: false } }],
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      ],
    },
    ns,
  );
}

