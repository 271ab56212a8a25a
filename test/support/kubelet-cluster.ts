/**
 * @module test/support/kubelet-cluster
 *
 * A real API server plus one real kubelet API server (src/kubelet/server) on a loopback node
 * address, with a Node object pointing at it and pods bound to it whose status says what the
 * test wants. Containers are ProcessContainers (log files and real processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkiPaths } from '../../src/apiserver/pki/index.js';
import { startKubeletServer, type RunningKubeletServer } from '../../src/kubelet/server/index.js';
import { startTestCluster, type TestCluster } from './apiserver.js';
import { ProcessContainers } from './process-containers.js';

export const NODE_ADDRESS = '127.0.1.3';
export const POD_ADDRESS = '127.0.1.4';

export interface KubeletCluster {
  readonly cluster: TestCluster;
  readonly kubelet: RunningKubeletServer;
  readonly containers: ProcessContainers;
  /** Creates pod `name` on the node with these containers; `statuses` is its status.containerStatuses. */
  createPod(name: string, containers: readonly string[], statuses: readonly Record<string, unknown>[], nodeName?: string): Promise<void>;
  /** Starts kubectl in the background with the cluster's kubeconfig. */
  spawnKubectl(args: readonly string[], env?: Readonly<Record<string, string>>): ChildProcess;
  /** How many container log streams the kubelet still serves. */
  openLogStreams(): Promise<number>;
  close(): Promise<void>;
}

export const running = (name: string) => ({
  name,
  ready: true,
  restartCount: 0,
  image: 'busybox',
  imageID: '',
  containerID: `tskube://${name}`,
  state: { running: { startedAt: new Date().toISOString() } },
});

export async function startKubeletCluster(): Promise<KubeletCluster> {
  const cluster = await startTestCluster();
  const containers = new ProcessContainers(POD_ADDRESS);
  const caPem = readFileSync(pkiPaths(join(cluster.dataDir, 'pki')).caCert);
  const kubelet = await startKubeletServer({ host: NODE_ADDRESS, lookup: containers, clientCaPem: caPem });
  const must = async (args: string[], input?: string) => {
    const r = await cluster.kubectl(args, input);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  };
  await must(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } }));
  const nodeStatus = {
    status: {
      addresses: [
        { type: 'InternalIP', address: NODE_ADDRESS },
        { type: 'Hostname', address: 'node-1' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
    },
  };
  await must(['patch', 'node', 'node-1', '--subresource=status', '--type=merge', '-p', JSON.stringify(nodeStatus)]);
  const home = join(cluster.dataDir, 'home');
  const children = new Set<ChildProcess>();
  return {
    cluster,
    kubelet,
    containers,
    async createPod(name, names, statuses, nodeName = 'node-1') {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { ...(nodeName && { nodeName }), containers: names.map((n) => ({ name: n, image: 'busybox' })) },
      };
      await must(['create', '-f', '-'], JSON.stringify(pod));
      const status = { status: { phase: nodeName ? 'Running' : 'Pending', podIP: POD_ADDRESS, containerStatuses: statuses } };
      await must(['patch', 'pod', name, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    },
    spawnKubectl(args, env = {}) {
      const child = spawn('kubectl', [...args], {
        env: { ...process.env, ...env, HOME: home, KUBECONFIG: cluster.api.kubeconfigPath },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    openLogStreams: () => Promise.resolve(containers.activeLogReaders),
    async close() {
      for (const child of children) child.kill('SIGKILL');
      await kubelet.close();
      containers.close();
      await cluster.close();
    },
  };
}
