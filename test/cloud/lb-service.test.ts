/**
 * `tskube lb --service`: the balancer as a cloud load balancer in front of a Service of type
 * LoadBalancer, on a whole host-mode cluster whose pods are real processes. The balancer runs as
 * the CLI (a child process) against the cluster's API server.
 *
 * - externalTrafficPolicy Local: only the node with the pod passes the health check of the
 *   health-check node port, so it is the only backend; every request reaches that pod.
 * - externalTrafficPolicy Cluster: every Ready node is a backend and `kubectl get svc` shows the
 *   balancer's address as EXTERNAL-IP (`<pending>` before it runs and again after it stops);
 *   requests through it reach the pods over every node; a node whose agent died leaves the
 *   backends once the node lifecycle controller has marked it NotReady.
 *
 * Lifecycle timing scaled down as in the node scenarios (SCALED_TIMING). Node indexes 121-123:
 * host-mode addresses derive from them, and other files' clusters may run at the same time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import type { ServiceLoadBalancerStatus } from '../../src/cloud/service-load-balancer.js';
import { parseHostPort, type HostPort } from '../../src/faults/address.js';
import { ControlApiError, getStatus, postBackends } from '../../src/faults/control-client.js';
import type { LoadBalancerStatus } from '../../src/faults/load-balancer.js';
import { eventually } from '../support/apiserver.js';
import { runCliAsync, startCli, type RunningCli } from '../support/cli.js';
import { podProcessesUnder, startFullCluster, type FullCluster } from '../support/full-cluster.js';
import { SCALED_TIMING } from '../support/lifecycle-lab.js';
import { getPod } from '../scenarios/support/service-traffic.js';

const FIRST_INDEX = 121;
type Status = LoadBalancerStatus & { owner: ServiceLoadBalancerStatus };

let cluster: FullCluster;
before(async () => {
  cluster = await startFullCluster({
    nodes: 3,
    zones: ['zone-a', 'zone-b', 'zone-c'],
    firstIndex: FIRST_INDEX,
    lifecycle: SCALED_TIMING.lifecycle,
    heartbeat: { leaseDurationSeconds: SCALED_TIMING.leaseDurationSeconds, nodeStatusUpdateFrequencyMs: SCALED_TIMING.nodeStatusUpdateFrequencyMs },
  });
});
after(async () => {
  if (!cluster) return;
  const dataDir = cluster.api.dataDir;
  await cluster.close();
  assert.deepEqual(podProcessesUnder(dataDir), [], 'no pod process survives close()');
});

/** A Deployment of tskube/echo and its LoadBalancer Service; pods leave a dead node after 3 s (scaled). */
function manifest(name: string, replicas: number, policy: 'Cluster' | 'Local'): string {
  const toleration = (key: string) => `{ key: ${key}, operator: Exists, effect: NoExecute, tolerationSeconds: ${SCALED_TIMING.tolerationSeconds} }`;
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 2
      tolerations: [${toleration('node.kubernetes.io/unreachable')}, ${toleration('node.kubernetes.io/not-ready')}]
      containers:
      - name: echo
        image: tskube/echo
        readinessProbe: { httpGet: { path: /readyz, port: 8080 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  type: LoadBalancer
  externalTrafficPolicy: ${policy}
  selector: { app: ${name} }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;
}

interface RunningLb {
  readonly cli: RunningCli;
  readonly listen: HostPort;
  readonly control: HostPort;
  status(): Promise<Status>;
}

async function startLb(t: { after(fn: () => Promise<unknown>): void }, service: string, ...extra: string[]): Promise<RunningLb> {
  const cli = startCli(['lb', '--service', service, '--kubeconfig', cluster.api.api.kubeconfigPath, '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0', ...extra]);
  t.after(() => cli.stop());
  const listening = /listening on (\S+), fronting Service/.exec(await cli.waitFor(/listening on/))![1]!;
  const control = /control API on http:\/\/(\S+) /.exec(await cli.waitFor(/control API on/))![1]!;
  const controlAddress = parseHostPort(control);
  return { cli, listen: parseHostPort(listening), control: controlAddress, status: () => getStatus(controlAddress) as Promise<Status> };
}

const nodeIP = async (name: string): Promise<string> =>
  (await cluster.client.resource<Node & KubeObject>('', 'v1', 'nodes').get(name)).status!.addresses!.find((a) => a.type === 'InternalIP')!.address;

async function nodePortOf(service: string): Promise<number> {
  const r = await cluster.kubectl('get', 'svc', service, '-o', 'jsonpath={.spec.ports[0].nodePort}');
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

/** The EXTERNAL-IP column of `kubectl get svc NAME`. */
async function externalIP(service: string): Promise<string> {
  const r = await cluster.kubectl('get', 'svc', service, '--no-headers');
  assert.equal(r.status, 0, r.stderr);
  const [name, type, , external] = r.stdout.trim().split(/\s+/);
  assert.equal(name, service);
  assert.equal(type, 'LoadBalancer');
  return external!;
}

describe('tskube lb --service', () => {
  it('externalTrafficPolicy Local: only the node with a local pod is a backend', async (t) => {
    await cluster.apply(manifest('solo', 1, 'Local'));
    const rollout = await cluster.kubectl('rollout', 'status', 'deployment/solo', '--timeout=60s');
    assert.equal(rollout.status, 0, rollout.stderr);
    const [pod] = await cluster.pods('default', 'app=solo');
    const podNode = pod!.spec!.nodeName!;
    const expected = `${await nodeIP(podNode)}:${await nodePortOf('solo')}`;

    const lb = await startLb(t, 'default/solo', '--health-check-interval', '0.5');
    let status: Status | undefined;
    await eventually(
      async () => {
        status = await lb.status();
        return status.backends.length === 1 && status.backends[0]!.address === expected;
      },
      20_000,
      `only ${expected} as backend`,
    );
    const owner = status!.owner;
    assert.equal(owner.externalTrafficPolicy, 'Local');
    assert.ok(owner.healthCheckNodePort, 'the Service has a health-check node port');
    for (const n of owner.nodes) {
      if (n.name === podNode) assert.deepEqual([n.backend, n.reason], [true, 'healthy: health check answered 200']);
      else assert.deepEqual([n.backend, n.reason], [false, 'unhealthy: health check answered 503'], n.name);
    }

    for (let i = 0; i < 10; i++) assert.equal(await getPod(lb.listen.host, lb.listen.port), pod!.metadata.name, `request ${i}`);
    assert.equal(await externalIP('solo'), '127.0.0.1');

    const shown = await runCliAsync(['lb', 'status', '--control', `127.0.0.1:${lb.control.port}`], 30_000);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /service: +default\/solo, port http 80 \(nodePort \d+\), externalTrafficPolicy Local \(health checks on \d+\); EXTERNAL-IP 127\.0\.0\.1/);
    assert.match(shown.stdout, new RegExp(`${podNode} \\S+: backend \\(healthy: health check answered 200\\)`));

    assert.equal(await lb.cli.stop(), 0, 'stops cleanly on SIGTERM');
    assert.equal(await externalIP('solo'), '<pending>', 'the ingress is cleared on shutdown');
  });

  it('externalTrafficPolicy Cluster: EXTERNAL-IP, requests reach the pods over every node, a dead node leaves the backends', async (t) => {
    await cluster.apply(manifest('web', 3, 'Cluster'));
    const rollout = await cluster.kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.equal(rollout.status, 0, rollout.stderr);
    assert.equal(await externalIP('web'), '<pending>', 'no balancer yet');
    const nodePort = await nodePortOf('web');

    const lb = await startLb(t, 'default/web');
    await eventually(async () => (await externalIP('web')) === '127.0.0.1', 20_000, 'EXTERNAL-IP 127.0.0.1');
    const ingressPort = await cluster.kubectl('get', 'svc', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ports[0].port}');
    assert.equal(Number(ingressPort.stdout), lb.listen.port, 'the ingress names the port the balancer listens on');

    const all = (await Promise.all(cluster.nodes.map(async (n) => `${await nodeIP(n.name)}:${nodePort}`))).sort();
    await eventually(async () => (await lb.status()).backends.map((b) => b.address).sort().join() === all.join(), 20_000, `backends ${all.join(', ')}`);

    const pods = new Set((await cluster.pods('default', 'app=web')).map((p) => p.metadata.name));
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) answers.push(await getPod(lb.listen.host, lb.listen.port));
    assert.deepEqual(answers.filter((a) => !pods.has(a)), [], 'every request is answered by a web pod');
    assert.ok(new Set(answers).size >= 2, `answers from several pods: ${[...new Set(answers)].join(', ')}`);
    for (const b of (await lb.status()).backends) assert.ok(b.total >= 1, `${b.address} carried connections`);

    await assert.rejects(postBackends(lb.control, [{ host: '127.0.0.1', port: 1 }]), (err: unknown) => {
      assert.ok(err instanceof ControlApiError);
      assert.equal(err.status, 409);
      assert.match(err.message, /the backends follow Service default\/web/);
      return true;
    });

    // A node's agent dies: heartbeats stop and its pods and proxy with it.
    const victim = cluster.nodes[2]!.name;
    const victimBackend = `${await nodeIP(victim)}:${nodePort}`;
    await cluster.stopNode(victim);
    let status: Status | undefined;
    await eventually(
      async () => {
        status = await lb.status();
        return !status.backends.some((b) => b.address === victimBackend);
      },
      30_000,
      `${victim} to leave the backends`,
    );
    assert.equal(status!.backends.length, 2, 'the other nodes stay');
    assert.match(status!.owner.nodes.find((n) => n.name === victim)?.reason ?? '', /^NotReady \(Ready=(Unknown|False)\)$/);
    const ready = (await cluster.client.resource<Node & KubeObject>('', 'v1', 'nodes').get(victim)).status?.conditions?.find((c) => c.type === 'Ready');
    assert.notEqual(ready?.status, 'True', 'it left because its Node is NotReady');

    // Once the dead node's pods are evicted and replaced, every request gets through again.
    await eventually(
      async () => {
        const batch: string[] = [];
        for (let i = 0; i < 10; i++) batch.push(await getPod(lb.listen.host, lb.listen.port));
        const live = new Set((await cluster.pods('default', 'app=web')).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name));
        return batch.every((a) => live.has(a));
      },
      60_000,
      '10 requests in a row answered by live pods',
    );

    const events = await cluster.kubectl('get', 'events', '--field-selector', 'involvedObject.name=web,involvedObject.kind=Service', '--no-headers');
    assert.match(events.stdout, /EnsuredLoadBalancer/);
    assert.match(events.stdout, /UpdatedLoadBalancer/);

    assert.equal(await lb.cli.stop(), 0, 'stops cleanly on SIGTERM');
    assert.equal(await externalIP('web'), '<pending>', 'the ingress is cleared on shutdown');
  });
});
