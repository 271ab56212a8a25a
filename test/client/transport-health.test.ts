/**
 * Incident 1 (seed 000): a load balancer stops forwarding on existing connections without
 * resetting them. A TCP proxy between client and API server does exactly that, and:
 *   - a client with the HTTP/2 PING health check finds the dead connection by itself and its
 *     next request succeeds on a new connection within readIdle + pingTimeout (+ margin);
 *   - a client without it hangs until its request timeout, then keeps using the dead connection
 *     until closeAllConnections() makes it dial again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listWatchFor } from '../../src/client/cache/list-watch.js';
import { SharedInformer } from '../../src/client/cache/shared-informer.js';
import { TransportError } from '../../src/client/errors.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';
import { BlackholeProxy } from './support/blackhole-proxy.js';
import { clientFor } from './support/cluster-client.js';

const READ_IDLE_MS = 400;
const PING_TIMEOUT_MS = 400;
const MARGIN_MS = 1_000;
const DEAD_CLIENT_TIMEOUT_MS = 2_500;

let cluster: TestCluster;
const proxies: BlackholeProxy[] = [];
const clients: RestClient[] = [];

before(async () => {
  cluster = await startTestCluster();
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(proxies.map((p) => p.close()));
  await cluster?.close();
});

async function throughProxy(transport: { readIdleTimeoutMs: number; pingTimeoutMs?: number }, timeoutMs: number) {
  const url = new URL(cluster.api.url);
  const proxy = await BlackholeProxy.start({ host: url.hostname, port: Number(url.port) });
  proxies.push(proxy);
  const client = await clientFor(cluster, { server: proxy.url, transport, timeoutMs });
  clients.push(client);
  return { proxy, client, namespaces: client.resource('', 'v1', 'namespaces') };
}

describe('HTTP/2 health check against a blackholed connection', () => {
  it('detects the dead connection with a PING and succeeds on a new one', async (t) => {
    const { proxy, client, namespaces } = await throughProxy({ readIdleTimeoutMs: READ_IDLE_MS, pingTimeoutMs: PING_TIMEOUT_MS }, 10_000);
    await namespaces.get('default');
    assert.equal(client.transport.stats.dials, 1);

    proxy.blackholeExisting();
    const started = performance.now();
    const ns = await namespaces.get('default');
    const recoveredMs = performance.now() - started;
    t.diagnostic(`request after the blackhole succeeded in ${Math.round(recoveredMs)} ms (readIdle ${READ_IDLE_MS} + pingTimeout ${PING_TIMEOUT_MS})`);

    assert.equal(ns.metadata?.name, 'default');
    assert.ok(recoveredMs < READ_IDLE_MS + PING_TIMEOUT_MS + MARGIN_MS, `recovered in ${Math.round(recoveredMs)} ms`);
    assert.ok(recoveredMs >= PING_TIMEOUT_MS, 'it did wait for the ping to time out');
    assert.equal(client.transport.stats.healthCheckFailures, 1);
    assert.equal(client.transport.stats.dials, 2, 'one new connection');
    assert.equal(proxy.connections, 2);
  });

  it('without the health check, hangs until the request timeout; closeAllConnections recovers', async (t) => {
    const { proxy, client, namespaces } = await throughProxy({ readIdleTimeoutMs: 0 }, DEAD_CLIENT_TIMEOUT_MS);
    await namespaces.get('default');
    proxy.blackholeExisting();

    const started = performance.now();
    const err = await namespaces.get('default').catch((e: unknown) => e);
    const hungMs = performance.now() - started;
    t.diagnostic(`without the health check the request failed after ${Math.round(hungMs)} ms: ${String(err)}`);
    assert.ok(err instanceof TransportError && err.code === 'Timeout', String(err));
    assert.ok(hungMs >= DEAD_CLIENT_TIMEOUT_MS - 50, `failed after ${Math.round(hungMs)} ms`);
    // Still the same dead connection: the next request would hang again.
    assert.equal(client.transport.stats.dials, 1);

    client.transport.closeAllConnections('heartbeat failed');
    const again = performance.now();
    await namespaces.get('default');
    t.diagnostic(`after closeAllConnections the request succeeded in ${Math.round(performance.now() - again)} ms`);
    assert.equal(client.transport.stats.dials, 2);
  });

  it('keeps an informer behind a blackholed connection up to date, without a relist', async (t) => {
    const { proxy, client } = await throughProxy({ readIdleTimeoutMs: READ_IDLE_MS, pingTimeoutMs: PING_TIMEOUT_MS }, 10_000);
    const direct = await clientFor(cluster);
    clients.push(direct);
    const informer = new SharedInformer({
      name: 'configmaps',
      listWatch: listWatchFor(client.resource('', 'v1', 'configmaps'), { namespace: 'default' }),
      watchBackoff: { initialMs: 50, maxMs: 500 },
    });
    const added: string[] = [];
    informer.addEventHandler({ onAdd: (o) => void added.push(o.metadata!.name!) });
    const stop = new AbortController();
    const run = informer.run(stop.signal);
    try {
      await informer.waitForSync(stop.signal);
      proxy.blackholeExisting();
      const started = performance.now();
      await direct.resource('', 'v1', 'configmaps').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'while-blackholed', namespace: 'default' } });
      await eventually(() => added.includes('while-blackholed'), 10_000, 'the informer to see the write');
      const caughtUpMs = performance.now() - started;
      t.diagnostic(`informer saw a write made during the blackhole after ${Math.round(caughtUpMs)} ms`);
      assert.ok(caughtUpMs < READ_IDLE_MS + PING_TIMEOUT_MS + MARGIN_MS, `caught up after ${Math.round(caughtUpMs)} ms`);
      assert.equal(informer.lists, 1, 'the watch resumed from its resourceVersion: no relist');
    } finally {
      stop.abort();
      await run;
    }
  });

  it('closeAllConnections fails streams in flight and the next request dials anew', async () => {
    const client = await clientFor(cluster);
    clients.push(client);
    const configmaps = client.resource('', 'v1', 'configmaps');
    const list = await configmaps.list({ namespace: 'default' });
    const watch = await configmaps.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion! });
    const iterating = (async () => {
      for await (const _ of watch) {
        /* nothing is written */
      }
    })();
    client.transport.closeAllConnections();
    await assert.rejects(iterating, (e: unknown) => e instanceof TransportError && e.code === 'ConnectionLost');
    await configmaps.list({ namespace: 'default' });
    assert.equal(client.transport.stats.dials, 2);
  });
});
