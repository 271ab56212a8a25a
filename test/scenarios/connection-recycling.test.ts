/**
 * Seed 001, connection recycling (the nginx `keepalive_requests` lesson), on the whole cluster in
 * host networking mode. One tskube/echo Deployment with one replica sits behind two Services:
 * `recycled` carries `tskube.io/max-requests-per-connection: "20"`, `pinned` carries nothing (the
 * control). One keep-alive HTTP client per Service sends requests without pause through node 1's
 * proxy (at least 100 requests each); `kubectl scale` takes the Deployment to 3 replicas; once both Services list 3 ready
 * endpoints, each client sends 300 more requests. With the annotation they spread over all three
 * replicas (no request fails); without it they all stay on the first, on its one connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { startFullCluster, type FullCluster } from '../support/full-cluster.js';
import { applyObjects, clusterIPOf, isPod, KeepAliveClient, total, waitForEndpoints, type Answer } from './support/service-traffic.js';

/** Cluster node indexes 116-117: clear of other scenario files' clusters. */
const FIRST_INDEX = 116;
const PORT = 80;
const MAX_REQUESTS = 20;
const BEFORE_SCALE = 100;
const AFTER_SCALE = 300;

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'echo' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'echo' } },
    template: {
      metadata: { labels: { app: 'echo' } },
      spec: {
        containers: [
          {
            name: 'echo',
            image: 'tskube/echo',
            ports: [{ containerPort: 8080, name: 'http' }],
            readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    },
  },
};

const serviceNamed = (name: string, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(annotations && { annotations }) },
  spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: PORT, targetPort: 8080 }] },
});

let cluster: FullCluster;

before(async () => {
  cluster = await startFullCluster({ nodes: 2, zones: ['zone-a', 'zone-b'], firstIndex: FIRST_INDEX });
  await applyObjects(cluster, [deployment, serviceNamed('recycled', { 'tskube.io/max-requests-per-connection': String(MAX_REQUESTS) }), serviceNamed('pinned')]);
  await waitForEndpoints(cluster, 'recycled', { ready: 1 });
  await waitForEndpoints(cluster, 'pinned', { ready: 1 });
});

after(async () => cluster?.close());

type Phase = 'before' | 'scaling' | 'after';

/** A client's answers before `kubectl scale`, while the replicas start, and once they are ready. */
interface Run {
  readonly client: KeepAliveClient;
  readonly answers: Record<Phase, Record<Answer, number>>;
  connectionsAtScale: number;
}

describe('seed 001: connection recycling spreads a keep-alive client over new replicas (host mode)', () => {
  it('with max-requests-per-connection the client reaches all 3 replicas after kubectl scale; without, it stays on the first', async () => {
    const node = cluster.nodes[0]!;
    const runs = new Map<string, Run>();
    for (const name of ['recycled', 'pinned']) {
      const client = new KeepAliveClient(cluster.serviceAddress(node.index, await clusterIPOf(cluster, name)), PORT);
      runs.set(name, { client, answers: { before: {}, scaling: {}, after: {} }, connectionsAtScale: 0 });
    }
    let phase: Phase = 'before';
    const loops = [...runs.values()].map(async (run) => {
      // No pause between requests: the connection never sits idle long enough for the echo
      // server's keep-alive timeout to close it, so only the proxy's recycling can move it.
      for (let sent = 0; phase !== 'after' || sent < AFTER_SCALE; ) {
        const now = phase;
        const answer = await run.client.get();
        run.answers[now][answer] = (run.answers[now][answer] ?? 0) + 1;
        if (now === 'after') sent++;
      }
    });
    const [first] = (await cluster.pods('default', 'app=echo')).map((p) => p.metadata?.name ?? '');
    let replicas: string[] = [];
    try {
      while ([...runs.values()].some((run) => total(run.answers.before) < BEFORE_SCALE)) await new Promise((r) => setTimeout(r, 50));
      phase = 'scaling';
      const r = await cluster.kubectl('scale', 'deployment/echo', '--replicas=3');
      assert.equal(r.status, 0, r.stderr);
      await waitForEndpoints(cluster, 'recycled', { ready: 3 });
      await waitForEndpoints(cluster, 'pinned', { ready: 3 });
      await new Promise((resolve) => setTimeout(resolve, 500)); // the proxies' watches are a moment behind the API
      replicas = (await cluster.pods('default', 'app=echo')).map((p) => p.metadata?.name ?? '').sort();
      for (const run of runs.values()) run.connectionsAtScale = run.client.connections;
      phase = 'after';
    } finally {
      phase = 'after';
      await Promise.all(loops);
      for (const run of runs.values()) run.client.close();
    }

    const recycled = runs.get('recycled')!;
    const pinned = runs.get('pinned')!;
    for (const [name, run] of runs) {
      process.stdout.write(
        `${name}: before scale ${JSON.stringify(run.answers.before)}, while scaling ${JSON.stringify(run.answers.scaling)}, ` +
          `${run.connectionsAtScale} connections; 3 replicas ready: ${JSON.stringify(run.answers.after)} over ${run.client.connections - run.connectionsAtScale} more\n`,
      );
    }
    assert.equal(replicas.length, 3);
    assert.ok(first);
    for (const run of runs.values()) {
      assert.deepEqual(Object.keys(run.answers.before), [first], 'one replica: every answer from it');
      for (const answers of Object.values(run.answers)) assert.ok(Object.keys(answers).every(isPod), `no request failed: ${JSON.stringify(run.answers)}`);
    }
    assert.deepEqual(Object.keys(recycled.answers.after).sort(), replicas, 'recycled: every replica served the keep-alive client');
    for (const pod of replicas) assert.ok((recycled.answers.after[pod] ?? 0) >= MAX_REQUESTS, `${pod} served at least one whole connection: ${JSON.stringify(recycled.answers.after)}`);
    assert.deepEqual(pinned.answers.scaling, { [first]: total(pinned.answers.scaling) }, 'pinned: still on the first replica while the others start');
    assert.deepEqual(pinned.answers.after, { [first]: AFTER_SCALE }, 'pinned: every request still on the first replica');
    assert.equal(pinned.client.connections, 1, 'pinned: one connection throughout');
  });
});
