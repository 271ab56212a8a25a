/**
 * The informer's stages in isolation: the indexer's indexes, the DeltaFIFO's replace semantics
 * (missed deletes become DeletedFinalStateUnknown) and hasSynced, and per-handler buffers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { flush } from '../testing/fake-clock.js';
import { DeltaFIFO, DeletedFinalStateUnknown, type Delta } from './delta-fifo.js';
import { ProcessorListener, type HandlerError, type Notification } from './processor-listener.js';
import { Indexer, metaNamespaceKey, splitMetaNamespaceKey } from './store.js';

const obj = (namespace: string | undefined, name: string, rv = '1', labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, ...(namespace && { namespace }), resourceVersion: rv, labels },
});

describe('Indexer', () => {
  it('keys objects by namespace/name and indexes them by namespace and custom index functions', () => {
    const byApp = (o: KubeObject) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []);
    const store = new Indexer();
    store.addIndexers({ app: byApp });
    store.add(obj('a', 'x', '1', { app: 'web' }));
    store.add(obj('a', 'y', '1', { app: 'db' }));
    store.add(obj('b', 'x', '1', { app: 'web' }));
    store.add(obj(undefined, 'node-1'));
    assert.deepEqual(store.listKeys().sort(), ['a/x', 'a/y', 'b/x', 'node-1']);
    assert.deepEqual(store.indexKeys('namespace', 'a').sort(), ['a/x', 'a/y']);
    assert.deepEqual(store.indexKeys('app', 'web').sort(), ['a/x', 'b/x']);
    store.update(obj('a', 'x', '2', { app: 'db' }));
    assert.deepEqual(store.indexKeys('app', 'web'), ['b/x'], 'an update moves the object between index values');
    assert.deepEqual(store.indexKeys('app', 'db').sort(), ['a/x', 'a/y']);
    store.delete(obj('a', 'y'));
    assert.deepEqual(store.byIndex('app', 'db').map(metaNamespaceKey), ['a/x']);
    assert.deepEqual(store.listIndexValues('app').sort(), ['db', 'web']);
    store.replace([obj('c', 'z')]);
    assert.deepEqual(store.indexKeys('namespace', 'a'), []);
    assert.deepEqual(store.indexKeys('namespace', 'c'), ['c/z']);
    assert.throws(() => store.addIndexers({ late: byApp }), /already holds objects/);
    assert.deepEqual(splitMetaNamespaceKey('ns/name'), { namespace: 'ns', name: 'name' });
    assert.deepEqual(splitMetaNamespaceKey('node-1'), { namespace: undefined, name: 'node-1' });
  });
});

/** Pops everything queued, returning key → delta types. */
async function drain(fifo: DeltaFIFO, store?: Indexer): Promise<Map<string, Delta<KubeObject>[]>> {
  const out = new Map<string, Delta<KubeObject>[]>();
  const stop = new AbortController();
  while (fifo.length > 0) {
    await fifo.pop(stop.signal, (deltas) => {
      const first = deltas[0]!.object;
      const key = first instanceof DeletedFinalStateUnknown ? first.key : metaNamespaceKey(first);
      out.set(key, [...deltas]);
      for (const d of deltas) {
        if (d.type === 'Deleted') store?.deleteKey(key);
        else store?.update(d.object as KubeObject);
      }
    });
  }
  return out;
}

describe('DeltaFIFO', () => {
  it('syncs once the first replace has been processed', async () => {
    const store = new Indexer();
    const fifo = new DeltaFIFO({ knownObjects: store });
    assert.equal(fifo.hasSynced(), false);
    fifo.replace([obj('a', 'x'), obj('a', 'y')], '10');
    assert.equal(fifo.hasSynced(), false);
    await fifo.pop(new AbortController().signal, () => {});
    assert.equal(fifo.hasSynced(), false);
    await fifo.pop(new AbortController().signal, () => {});
    assert.equal(fifo.hasSynced(), true);
    await fifo.synced;
    const empty = new DeltaFIFO({ knownObjects: new Indexer() });
    empty.replace([], '1');
    assert.equal(empty.hasSynced(), true, 'an empty first list is synced at once');
  });

  it('accumulates deltas per key in order and collapses repeated deletes', async () => {
    const store = new Indexer();
    const fifo = new DeltaFIFO({ knownObjects: store });
    fifo.add(obj('a', 'x', '1'));
    fifo.update(obj('a', 'x', '2'));
    fifo.add(obj('a', 'y', '3'));
    fifo.delete(obj('a', 'x', '2'));
    fifo.delete(obj('a', 'x', '2'));
    fifo.delete(obj('a', 'unknown'));
    const popped = await drain(fifo, store);
    assert.deepEqual([...popped.keys()], ['a/x', 'a/y'], 'keys in arrival order; an unknown delete is ignored');
    assert.deepEqual(
      popped.get('a/x')!.map((d) => d.type),
      ['Added', 'Updated', 'Deleted'],
    );
  });

  it('replace turns objects missing from the list into DeletedFinalStateUnknown with their last state', async () => {
    const store = new Indexer();
    const fifo = new DeltaFIFO({ knownObjects: store });
    fifo.replace([obj('a', 'stays', '1'), obj('a', 'gone', '1')], '1');
    await drain(fifo, store);
    fifo.add(obj('a', 'queued-only', '2')); // queued, never processed, then gone too
    fifo.replace([obj('a', 'stays', '1')], '5');
    const popped = await drain(fifo, store);
    assert.deepEqual(
      popped.get('a/stays')!.map((d) => d.type),
      ['Replaced'],
    );
    const gone = popped.get('a/gone')!;
    assert.equal(gone.length, 1);
    assert.equal(gone[0]!.type, 'Deleted');
    assert.ok(gone[0]!.object instanceof DeletedFinalStateUnknown);
    assert.equal(gone[0]!.object.obj.metadata?.name, 'gone');
    assert.deepEqual(
      popped.get('a/queued-only')!.map((d) => d.type),
      ['Added', 'Deleted'],
    );
    assert.deepEqual(store.listKeys(), ['a/stays']);
  });

  it('resync queues a Sync for stored objects with nothing pending', async () => {
    const store = new Indexer();
    store.add(obj('a', 'x'));
    store.add(obj('a', 'y'));
    const fifo = new DeltaFIFO({ knownObjects: store });
    fifo.update(obj('a', 'x', '2'));
    fifo.resync();
    const popped = await drain(fifo);
    assert.deepEqual(
      popped.get('a/x')!.map((d) => d.type),
      ['Updated'],
    );
    assert.deepEqual(
      popped.get('a/y')!.map((d) => d.type),
      ['Sync'],
    );
  });

  it('pop returns false once closed or aborted', async () => {
    const fifo = new DeltaFIFO({ knownObjects: new Indexer() });
    const stop = new AbortController();
    const popping = fifo.pop(stop.signal, () => assert.fail('nothing to pop'));
    stop.abort();
    assert.equal(await popping, false);
    const closing = fifo.pop(new AbortController().signal, () => {});
    fifo.close();
    assert.equal(await closing, false);
  });
});

describe('ProcessorListener', () => {
  it('buffers without limit and delivers in order, awaiting async handlers', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const listener = new ProcessorListener<KubeObject>(
      'test',
      {
        onAdd: async (o) => {
          if (o.metadata?.name === 'first') await gate;
          seen.push(o.metadata!.name!);
        },
      },
      () => assert.fail('no error expected'),
    );
    const stop = new AbortController();
    const run = listener.run(stop.signal);
    for (const name of ['first', ...Array.from({ length: 1000 }, (_, i) => `n${i}`)]) listener.add({ kind: 'add', obj: obj('a', name), isInInitialList: false });
    await flush();
    assert.deepEqual(seen, []);
    assert.equal(listener.pending, 1000);
    release();
    while (seen.length < 1001) await flush();
    assert.equal(seen[0], 'first');
    assert.equal(seen[1000], 'n999');
    stop.abort();
    await run;
  });

  it('whenIdle resolves once everything added so far was handled, an async handler included; false once stopped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    const listener = new ProcessorListener<KubeObject>(
      'idle',
      {
        onAdd: async (o) => {
          if (o.metadata?.name === 'slow') await gate;
          handled++;
        },
      },
      () => assert.fail('no error expected'),
    );
    const stop = new AbortController();
    const run = listener.run(stop.signal);
    for (const name of ['a', 'slow', 'b']) listener.add({ kind: 'add', obj: obj('a', name), isInInitialList: true });
    let idle: boolean | undefined;
    const waiting = listener.whenIdle(stop.signal).then((v) => (idle = v));
    await flush();
    assert.equal(idle, undefined, 'not idle while the slow handler runs');
    release();
    await waiting;
    assert.equal(idle, true);
    assert.equal(handled, 3);
    assert.equal(await listener.whenIdle(stop.signal), true, 'idle at once when nothing is buffered');
    stop.abort();
    await run;
    assert.equal(await listener.whenIdle(new AbortController().signal), false, 'a stopped listener never becomes idle');
  });

  it('reports a handler exception instead of swallowing it, and stops', async () => {
    const errors: HandlerError[] = [];
    const listener = new ProcessorListener<KubeObject>(
      'throws',
      {
        onDelete: () => {
          throw new Error('bad delete');
        },
      },
      (err) => errors.push(err),
    );
    const run = listener.run(new AbortController().signal);
    const n: Notification<KubeObject> = { kind: 'delete', obj: obj('a', 'x') };
    listener.add(n);
    listener.add(n);
    await run;
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.handler, 'throws');
    assert.equal(errors[0]!.notification, 'delete');
    assert.equal((errors[0]!.cause as Error).message, 'bad delete');
  });
});
