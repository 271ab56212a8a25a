/**
 * Shared informers against a real API server: handlers see adds, updates (old, new) and deletes;
 * a slow handler delays only itself; a handler's exception stops the informer instead of
 * vanishing; after the server lost the history the informer needs (restart + compaction), the
 * reflector relists ("0", then the last RV, then "" after a 410) and a delete it missed while
 * disconnected arrives as DeletedFinalStateUnknown; periodic resync redelivers objects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/start.js';
import { DeletedFinalStateUnknown } from '../../src/client/cache/delta-fifo.js';
import { listWatchFor, type ListerWatcher } from '../../src/client/cache/list-watch.js';
import { HandlerError } from '../../src/client/cache/processor-listener.js';
import { SharedInformer, waitForCacheSync } from '../../src/client/cache/shared-informer.js';
import type { ResourceClient } from '../../src/client/resource-client.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { FakeClock } from '../../src/client/testing/fake-clock.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';
import { clientFor, sleep } from './support/cluster-client.js';

type CM = ConfigMap & KubeObject;

let cluster: TestCluster;
let client: RestClient;
let configmaps: ResourceClient<CM>;

before(async () => {
  cluster = await startTestCluster();
  client = await clientFor(cluster);
  configmaps = client.resource<CM>('', 'v1', 'configmaps');
  for (const name of ['inf-basic', 'inf-slow', 'inf-throw', 'inf-resync']) {
    await client.resource('', 'v1', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
});
after(async () => {
  client?.close();
  await cluster?.close();
});

const cm = (namespace: string, name: string, v = '1'): CM => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { v } });
const nameOf = (o: CM | DeletedFinalStateUnknown<CM>) => (o instanceof DeletedFinalStateUnknown ? o.obj : o).metadata!.name!;

/** Runs an informer for the duration of `body`, then stops it and waits for it. */
async function withInformer<T>(informer: SharedInformer<CM>, body: (run: Promise<void>) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const run = informer.run(stop.signal);
  run.catch(() => {}); // observed by the tests that expect a failure
  try {
    return await body(run);
  } finally {
    stop.abort();
    await run.catch(() => {});
  }
}

describe('shared informer', () => {
  it('delivers add, update(old, new) and delete to its handlers and keeps an indexed cache', async () => {
    const ns = 'inf-basic';
    await configmaps.create(cm(ns, 'before'));
    const informer = new SharedInformer<CM>({ name: 'configmaps', listWatch: listWatchFor(configmaps, { namespace: ns }) });
    const events: string[] = [];
    informer.addEventHandler({
      onAdd: (obj, initial) => void events.push(`add ${nameOf(obj)} ${initial ? 'initial' : 'new'}`),
      onUpdate: (old, obj) => void events.push(`update ${nameOf(obj)} ${old.data?.v}->${obj.data?.v}`),
      onDelete: (obj) => void events.push(`delete ${nameOf(obj)}`),
    });
    await withInformer(informer, async () => {
      const stop = new AbortController();
      assert.equal(await waitForCacheSync(stop.signal, informer), true);
      assert.ok(informer.hasSynced());
      assert.deepEqual(events, ['add before initial']);
      const after = await configmaps.create(cm(ns, 'after'));
      await configmaps.update({ ...after, data: { v: '2' } });
      await configmaps.delete('before', { namespace: ns });
      await eventually(() => events.length === 4, 10_000, 'four events');
      assert.deepEqual(events, ['add before initial', 'add after new', 'update after 1->2', 'delete before']);
      assert.deepEqual(
        informer.indexer.byIndex('namespace', ns).map((o) => o.data?.v),
        ['2'],
      );
      assert.equal(informer.indexer.getByKey(`${ns}/after`)?.data?.v, '2');
      assert.equal(informer.lists, 1);
    });
  });

  it('never lets a slow handler hold up the cache or the other handlers', async () => {
    const ns = 'inf-slow';
    const informer = new SharedInformer<CM>({ name: 'configmaps', listWatch: listWatchFor(configmaps, { namespace: ns }) });
    const fast: string[] = [];
    const slow: string[] = [];
    informer.addEventHandler({ onAdd: (o) => void fast.push(nameOf(o)) }, 'fast');
    const slowReg = informer.addEventHandler(
      {
        onAdd: async (o) => {
          await sleep(300);
          slow.push(nameOf(o));
        },
      },
      'slow',
    );
    await withInformer(informer, async () => {
      await informer.waitForSync(new AbortController().signal);
      const started = performance.now();
      for (let i = 0; i < 5; i++) await configmaps.create(cm(ns, `o${i}`));
      await eventually(() => fast.length === 5 && informer.indexer.size === 5, 5_000, 'the fast handler and the cache');
      const fastMs = performance.now() - started;
      assert.ok(slow.length <= 2, `the slow handler is behind (${slow.length})`);
      assert.ok(slowReg.pending >= 2, 'its notifications wait in its own buffer');
      assert.ok(fastMs < 1_000, `fast handler done in ${Math.round(fastMs)} ms`);
      await eventually(() => slow.length === 5, 5_000, 'the slow handler to catch up');
      assert.deepEqual(slow, fast, 'each handler sees events in order');
    });
  });

  it('stops and rejects run() with the exception a handler threw', async () => {
    const ns = 'inf-throw';
    const informer = new SharedInformer<CM>({ name: 'configmaps', listWatch: listWatchFor(configmaps, { namespace: ns }) });
    informer.addEventHandler({
      onAdd: (o) => {
        if (nameOf(o) === 'bad') throw new Error('cannot handle bad');
      },
    });
    const stop = new AbortController();
    const run = informer.run(stop.signal);
    const outcome = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    await informer.waitForSync(stop.signal);
    await configmaps.create(cm(ns, 'bad'));
    const timer = setTimeout(() => stop.abort(), 10_000);
    const err = await outcome;
    clearTimeout(timer);
    assert.ok(err instanceof HandlerError, String(err));
    assert.equal((err.cause as Error).message, 'cannot handle bad');
    assert.equal(err.notification, 'add');
    assert.equal(stop.signal.aborted, false, 'the informer stopped by itself');
  });

  it('resyncs periodically on its clock, redelivering every object as update(obj, obj)', async () => {
    const ns = 'inf-resync';
    await configmaps.create(cm(ns, 'r1'));
    await configmaps.create(cm(ns, 'r2'));
    const clock = new FakeClock();
    const informer = new SharedInformer<CM>({ name: 'configmaps', listWatch: listWatchFor(configmaps, { namespace: ns }), resyncPeriodMs: 60_000, clock });
    const updates: string[] = [];
    informer.addEventHandler({ onUpdate: (old, obj) => void updates.push(`${nameOf(obj)} same=${old === obj}`) });
    await withInformer(informer, async () => {
      await informer.waitForSync(new AbortController().signal);
      // The watch is established once a timer (the resync) is pending on the fake clock.
      await eventually(() => clock.pending > 0, 5_000, 'the resync timer');
      await clock.advance(59_000);
      assert.deepEqual(updates, []);
      await clock.advance(1_000);
      await eventually(() => updates.length === 2, 5_000, 'two resync updates');
      assert.deepEqual(updates.sort(), ['r1 same=true', 'r2 same=true']);
    });
  });
});

describe('informer relist after 410', () => {
  let server: RunningApiServer | undefined;
  after(() => server?.close());

  it('relists with "" after 410 and synthesises a delete for an object removed while disconnected', async (t) => {
    const ns = 'default';
    for (const name of ['keep', 'doomed']) await configmaps.create({ ...cm(ns, name), metadata: { name, namespace: ns, labels: { suite: 'relist' } } });
    // Record the resourceVersion of every list the reflector makes.
    const base = listWatchFor(configmaps, { namespace: ns, labelSelector: 'suite=relist' });
    const listRVs: string[] = [];
    const recorded: ListerWatcher<CM> = {
      list: (o) => {
        if (!o.continue) listRVs.push(o.resourceVersion ?? '');
        return base.list(o);
      },
      watch: (o) => base.watch(o),
    };
    const informer = new SharedInformer<CM>({
      name: 'configmaps',
      listWatch: recorded,
      // Explicit paging makes a list from an old resourceVersion an exact read, which 410s once compacted.
      pageSize: 1,
      backoff: { initialMs: 100, maxMs: 500 },
      watchBackoff: { initialMs: 100, maxMs: 500 },
    });
    const events: string[] = [];
    let deleted: CM | DeletedFinalStateUnknown<CM> | undefined;
    informer.addEventHandler({
      onAdd: (o) => void events.push(`add ${nameOf(o)}`),
      onUpdate: (_old, o) => void events.push(`update ${nameOf(o)}`),
      onDelete: (o) => {
        events.push(`delete ${nameOf(o)}`);
        deleted = o;
      },
    });
    await withInformer(informer, async () => {
      await informer.waitForSync(new AbortController().signal);
      assert.deepEqual(events.sort(), ['add doomed', 'add keep']);
      const syncedRV = informer.lastSyncResourceVersion;

      // The API server goes away; meanwhile "doomed" is deleted, "arrived" created, history compacted.
      const port = Number(new URL(cluster.api.url).port);
      await cluster.api.close();
      await cluster.kv.delete('/registry/core/configmaps/default/doomed');
      await cluster.kv.create(
        '/registry/core/configmaps/default/arrived',
        Buffer.from(JSON.stringify({ metadata: { name: 'arrived', namespace: ns, uid: 'u-arrived', labels: { suite: 'relist' }, creationTimestamp: '2026-01-01T00:00:00Z' }, data: { v: '1' } })),
      );
      await cluster.kv.compact((await cluster.kv.stats()).revision);
      const restarted = performance.now();
      server = await startApiServer({ kv: cluster.kv, dataDir: cluster.dataDir, host: '127.0.0.1', port });

      await eventually(() => events.length === 4, 15_000, 'the relist to deliver the missed changes');
      t.diagnostic(`caught up ${Math.round(performance.now() - restarted)} ms after the server came back; list resourceVersions: ${JSON.stringify(listRVs)}`);
      assert.deepEqual(events.slice(2).sort(), ['add arrived', 'delete doomed']);
      assert.ok(deleted instanceof DeletedFinalStateUnknown, 'the missed delete is flagged as such');
      assert.equal(deleted.key, 'default/doomed');
      assert.equal(deleted.obj.metadata?.name, 'doomed', 'carrying the last state the cache had');
      // First list "0"; after the watch's 410, the last RV (410 again: compacted), then "".
      assert.deepEqual(listRVs, ['0', syncedRV, '']);
      assert.deepEqual(informer.indexer.listKeys().sort(), ['default/arrived', 'default/keep']);
      assert.equal(events.filter((e) => e === 'add keep').length, 1, 'the unchanged object is not re-added');

      const keep = await configmaps.get('keep', { namespace: ns });
      await configmaps.update({ ...keep, data: { v: '2' } });
      await eventually(() => events.includes('update keep'), 10_000, 'the watch to work after the relist');
    });
  });
});
