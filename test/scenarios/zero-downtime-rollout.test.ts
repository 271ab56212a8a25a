/**
 * Seed 001, zero-downtime rollout, on the whole cluster in host networking mode: a 4-replica
 * tskube/echo Deployment with a readiness probe (/readyz) and a preStop hook (sleep 3 s, so every
 * proxy has dropped the endpoint before the pod gets SIGTERM), behind a Service. Clients send
 * requests through the Service — over new connections through each node's proxy, and over
 * long-lived keep-alive connections — while `kubectl rollout restart` replaces every pod, until
 * `kubectl rollout status` says it is done: 0 failed requests out of at least 2,000.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { eventually } from '../support/apiserver.js';
import { startFullCluster, type FullCluster } from '../support/full-cluster.js';
import { applyObjects, clusterIPOf, getPod, isPod, KeepAliveClient, total, waitForEndpoints, type Answer } from './support/service-traffic.js';

/** Cluster node indexes 111-113: clear of other scenario files' clusters. */
const FIRST_INDEX = 111;
const NODES = 3;
const REPLICAS = 4;
const PORT = 80;
const MIN_REQUESTS = 2_000;

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 30,
        containers: [
          {
            name: 'echo',
            image: 'tskube/echo',
            ports: [{ containerPort: 8080, name: 'http' }],
            readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 },
            // Upstream's advice: keep serving until every proxy has stopped sending new traffic.
            lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } },
          },
        ],
      },
    },
  },
};

const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: PORT, targetPort: 8080 }] },
};

let cluster: FullCluster;
let clusterIP: string;

before(async () => {
  cluster = await startFullCluster({ nodes: NODES, firstIndex: FIRST_INDEX });
  await applyObjects(cluster, [deployment, service]);
  await waitForEndpoints(cluster, 'web', { ready: REPLICAS });
  clusterIP = await clusterIPOf(cluster, 'web');
});

after(async () => cluster?.close());

interface Tally {
  readonly answers: Record<Answer, number>;
  readonly failures: { at: number; answer: Answer; client: string }[];
}

function record(tally: Tally, client: string, answer: Answer): void {
  tally.answers[answer] = (tally.answers[answer] ?? 0) + 1;
  if (!isPod(answer)) tally.failures.push({ at: Date.now(), answer, client });
}

describe('seed 001: zero-downtime rollout through the service proxies (host mode)', () => {
  it('kubectl rollout restart of 4 replicas: 0 failed requests out of ≥ 2,000 (new and keep-alive connections)', async () => {
    const before = new Set((await cluster.pods('default', 'app=web')).map((p) => p.metadata?.name ?? ''));
    assert.equal(before.size, REPLICAS);
    const fresh: Tally = { answers: {}, failures: [] };
    const kept: Tally = { answers: {}, failures: [] };
    // Two long-lived keep-alive clients per node's proxy (round-robin puts them on different pods).
    const keepAlive = cluster.nodes.flatMap((n) => [0, 1].map(() => new KeepAliveClient(cluster.serviceAddress(n.index, clusterIP), PORT)));
    let stop = false;
    const loops: Promise<void>[] = [];
    // New connections, spread over every node's proxy.
    for (let w = 0; w < 3; w++) {
      loops.push(
        (async () => {
          for (let n = w; !stop; n++) {
            const node = cluster.nodes[n % cluster.nodes.length]!;
            record(fresh, `new@${node.name}`, await getPod(cluster.serviceAddress(node.index, clusterIP), PORT));
          }
        })(),
      );
    }
    for (const client of keepAlive) {
      loops.push(
        (async () => {
          while (!stop) record(kept, `keep-alive@${client.address}`, await client.get());
        })(),
      );
    }

    const startedAt = Date.now();
    let rolloutSeconds = 0;
    let status: { status: number | null; stdout: string; stderr: string };
    try {
      await new Promise((r) => setTimeout(r, 500)); // traffic flows before the rollout starts
      const restart = await cluster.kubectl('rollout', 'restart', 'deployment/web');
      assert.equal(restart.status, 0, restart.stderr);
      status = await cluster.kubectl('rollout', 'status', 'deployment/web', '--timeout=90s');
      // `rollout status` is satisfied once the old ReplicaSet is scaled to 0, while its pods are
      // still in preStop; the requests at risk are those around their SIGTERM, so the rollout is
      // complete here once every old pod is gone.
      await eventually(async () => (await cluster.pods('default', 'app=web')).every((p) => !before.has(p.metadata?.name ?? '')), 60_000, 'every old pod gone');
      rolloutSeconds = (Date.now() - startedAt) / 1000;
      // Keep going until the minimum is met (the rollout may be quicker than 2,000 requests).
      while (total(fresh.answers) + total(kept.answers) < MIN_REQUESTS) await new Promise((r) => setTimeout(r, 50));
    } finally {
      stop = true;
      await Promise.all(loops);
      for (const c of keepAlive) c.close();
    }
    const seconds = `${rolloutSeconds.toFixed(1)} s to replace every pod, ${((Date.now() - startedAt) / 1000).toFixed(1)} s of traffic`;
    const after = new Set((await cluster.pods('default', 'app=web')).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? ''));
    const connections = keepAlive.map((c) => c.connections);
    process.stdout.write(
      `rollout: ${seconds}; new connections ${total(fresh.answers)} requests, ${fresh.failures.length} failed; ` +
        `keep-alive ${total(kept.answers)} requests over ${connections.join('+')} connections, ${kept.failures.length} failed\n` +
        `answers: ${JSON.stringify({ ...fresh.answers })} / ${JSON.stringify({ ...kept.answers })}\n` +
        (fresh.failures.length + kept.failures.length > 0 ? `failures: ${JSON.stringify([...fresh.failures, ...kept.failures].map((f) => ({ ...f, at: f.at - startedAt })))}\n` : ''),
    );

    assert.equal(status.status, 0, `rollout status: ${status.stdout}${status.stderr}`);
    assert.match(status.stdout, /successfully rolled out/);
    assert.equal(after.size, REPLICAS);
    assert.ok([...after].every((name) => !before.has(name)), 'every pod was replaced');
    assert.ok(total(fresh.answers) + total(kept.answers) >= MIN_REQUESTS);
    assert.ok([...after].some((name) => (fresh.answers[name] ?? 0) > 0), 'new pods served new connections');
    assert.deepEqual([...fresh.failures, ...kept.failures], [], 'no request failed');
  });
});
