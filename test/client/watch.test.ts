/**
 * Watches against a real API server: a watch the server keeps ending (timeoutSeconds=1) resumes
 * from the last resourceVersion seen, with no event lost or repeated across 100 writes; a watch
 * from a compacted-away resourceVersion surfaces 410; exceptions in the consumer's loop reach the
 * consumer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { ApiStatusError, isResourceExpired } from '../../src/client/errors.js';
import type { ResourceClient } from '../../src/client/resource-client.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { ResumingWatch, type WatchEvent } from '../../src/client/watch.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';
import { clientFor, sleep } from './support/cluster-client.js';

type CM = ConfigMap & KubeObject;

let cluster: TestCluster;
let client: RestClient;
let configmaps: ResourceClient<CM>;

before(async () => {
  cluster = await startTestCluster();
  client = await clientFor(cluster);
  configmaps = client.resource<CM>('', 'v1', 'configmaps');
  await client.resource('', 'v1', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
});
after(async () => {
  client?.close();
  await cluster?.close();
});

describe('watch', () => {
  it('resumes across server-side closes without losing or repeating any of 100 events', async (t) => {
    const ns = 'watched';
    const start = await configmaps.list({ namespace: ns });
    const stop = new AbortController();
    const watch = new ResumingWatch<CM>((rv, signal) => configmaps.watch({ namespace: ns, resourceVersion: rv, timeoutSeconds: 1, signal }), {
      resourceVersion: start.metadata.resourceVersion!,
      signal: stop.signal,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    const seen: WatchEvent<CM>[] = [];
    const consuming = (async () => {
      for await (const event of watch) {
        seen.push(event);
        if (seen.length === 100) stop.abort();
      }
    })();

    // 100 writes spread over ~3.5 s, so the 1 s watches end several times while writes go on.
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      const created = await configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { v: '0' } });
      expected.push(`ADDED cm-${i} 0`);
      await sleep(30);
      await configmaps.update({ ...created, data: { v: '1' } });
      expected.push(`MODIFIED cm-${i} 1`);
      await sleep(30);
    }
    const deadline = setTimeout(() => stop.abort(), 15_000);
    await consuming;
    clearTimeout(deadline);

    t.diagnostic(`100 events over ${watch.restarts + 1} watch requests`);
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.object.metadata?.name} ${e.object.data?.v}`),
      expected,
    );
    const rvs = seen.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.ok(
      rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!),
      'resourceVersions strictly increase: nothing repeated',
    );
    assert.ok(watch.restarts >= 2, `the server ended the watch ${watch.restarts} times`);
    assert.equal(watch.resourceVersion, String(rvs.at(-1)));
  });

  it('surfaces 410 Expired when the resourceVersion is older than the server keeps', async () => {
    // The server's history starts where it started: resourceVersion 1 is long gone.
    const stream = await configmaps.watch({ namespace: 'default', resourceVersion: '1' });
    const err = await (async () => {
      for await (const _ of stream) {
        /* the first line is the error */
      }
    })().catch((e: unknown) => e);
    assert.ok(err instanceof ApiStatusError, String(err));
    assert.ok(isResourceExpired(err));
    assert.equal(err.reason, 'Expired');

    const resuming = new ResumingWatch<CM>((rv, signal) => configmaps.watch({ namespace: 'default', resourceVersion: rv, signal }), { resourceVersion: '1' });
    await assert.rejects(
      (async () => {
        for await (const _ of resuming) {
          /* nothing */
        }
      })(),
      isResourceExpired,
      'a resuming watch does not retry a 410: the caller must relist',
    );
  });

  it('lets an exception thrown by the consumer reach the consumer, and closes the stream', async () => {
    const ns = 'default';
    const list = await configmaps.list({ namespace: ns });
    const stream = await configmaps.watch({ namespace: ns, resourceVersion: list.metadata.resourceVersion! });
    const consuming = (async () => {
      for await (const event of stream) throw new Error(`handler failed on ${event.object.metadata?.name}`);
    })();
    const outcome = consuming.then(
      () => undefined,
      (e: unknown) => e,
    );
    await configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'boom', namespace: ns } });
    assert.match(String(await outcome), /handler failed on boom/);
    // The request was cancelled: no stream is left open on the session.
    await sleep(50);
    assert.equal(client.transport.stats.activeStreams, 0);
    assert.equal(client.transport.stats.openSessions, 1);
  });

  it('starts with the current state as ADDED events when asked from resourceVersion 0', async () => {
    const ns = 'watched';
    const stop = new AbortController();
    const stream = await configmaps.watch({ namespace: ns, resourceVersion: '0', signal: stop.signal });
    const names: string[] = [];
    for await (const event of stream) {
      assert.equal(event.type, 'ADDED');
      names.push(event.object.metadata!.name!);
      if (names.length === 50) stop.abort();
    }
    assert.equal(names.length, 50);
  });
});
