/**
 * Request retries against a scripted HTTP/2 server: 429 with Retry-After is honoured, 5xx backs
 * off exponentially for reads and gives up after maxRetries, mutating requests are retried only
 * when the server cannot have processed them. Waits go through an injected clock that records
 * them, so nothing here sleeps.
 */
import assert from 'node:assert/strict';
import { constants as h2 } from 'node:http2';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { realClock, type Clock } from '../../src/client/clock.js';
import { ApiStatusError, TransportError, isTooManyRequests } from '../../src/client/errors.js';
import { RestClient } from '../../src/client/rest-client.js';
import type { ClientConfig } from '../../src/client/kubeconfig.js';
import { FakeServer, reply, status, type Script } from './support/fake-server.js';

/** A clock whose sleeps return at once and are recorded. */
function recordingClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return { ...realClock, delays, sleep: async (ms: number) => void delays.push(ms) };
}

const servers: FakeServer[] = [];
const clients: RestClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
});

async function setup(script: Script, maxRetries = 5) {
  const server = await FakeServer.start(script);
  servers.push(server);
  const clock = recordingClock();
  const client = new RestClient({
    config: server.config,
    clock,
    timeoutMs: 5_000,
    retry: { maxRetries, backoff: { initialMs: 100, maxMs: 10_000, jitter: 0 } },
  });
  clients.push(client);
  return { server, clock, client, configmaps: client.resource('', 'v1', 'configmaps') };
}

const okConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };

describe('request retries', () => {
  it('retries a GET answered 429, waiting exactly as long as Retry-After says', async () => {
    const { server, clock, configmaps } = await setup((_req, i, res) => {
      if (i === 0) return reply(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '3' });
      if (i === 1) return reply(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '1' });
      reply(res, 200, okConfigMap);
    });
    const got = await configmaps.get('x', { namespace: 'default' });
    assert.equal(got.metadata?.name, 'x');
    assert.equal(server.requests.length, 3);
    assert.deepEqual(clock.delays, [3000, 1000]);
  });

  it('backs off exponentially on 503 and gives up after maxRetries with the last Status', async () => {
    const { server, clock, configmaps } = await setup((_req, _i, res) => reply(res, 503, status(503, 'ServiceUnavailable', 'storage is unavailable')), 4);
    const err = await configmaps.list({ namespace: 'default' }).catch((e: unknown) => e);
    assert.ok(err instanceof ApiStatusError, String(err));
    assert.equal(err.code, 503);
    assert.equal(err.message, 'storage is unavailable');
    assert.equal(server.requests.length, 5, 'the first attempt and 4 retries');
    assert.deepEqual(clock.delays, [100, 200, 400, 800]);
  });

  it('recovers a GET after 503s', async () => {
    const { server, configmaps } = await setup((_req, i, res) => (i < 2 ? reply(res, 503, status(503, 'ServiceUnavailable', 'x')) : reply(res, 200, okConfigMap)));
    await configmaps.get('x', { namespace: 'default' });
    assert.equal(server.requests.length, 3);
  });

  it('does not retry a 404 or a 409', async () => {
    const { server, configmaps } = await setup((req, _i, res) =>
      req.method === 'GET' ? reply(res, 404, status(404, 'NotFound', 'configmaps "x" not found')) : reply(res, 409, status(409, 'Conflict', 'modified')),
    );
    await assert.rejects(configmaps.get('x', { namespace: 'default' }), (e: unknown) => e instanceof ApiStatusError && e.code === 404);
    await assert.rejects(configmaps.update(okConfigMap), (e: unknown) => e instanceof ApiStatusError && e.code === 409);
    assert.equal(server.requests.length, 2);
  });

  it('retries a POST on 429 (not processed) but not on 503 (maybe processed)', async () => {
    const { server, clock, configmaps } = await setup((req, i, res) => {
      if (req.path.includes('first')) return reply(res, 503, status(503, 'ServiceUnavailable', 'x'), { 'retry-after': '1' });
      if (i === 1) return reply(res, 429, status(429, 'TooManyRequests', 'x'), { 'retry-after': '2' });
      reply(res, 201, okConfigMap);
    });
    await assert.rejects(
      configmaps.create({ ...okConfigMap }, { namespace: 'default', fieldManager: 'first' }),
      (e: unknown) => e instanceof ApiStatusError && e.code === 503,
    );
    assert.equal(server.requests.length, 1);
    await configmaps.create({ ...okConfigMap }, { namespace: 'default' });
    assert.equal(server.requests.length, 3);
    assert.deepEqual(clock.delays, [2000]);
    assert.equal(JSON.parse(server.requests[2]!.body).metadata.name, 'x', 'the retried POST carries the same body');
  });

  it('gives up on 429 after maxRetries', async () => {
    const { server, configmaps } = await setup((_req, _i, res) => reply(res, 429, status(429, 'TooManyRequests', 'x'), { 'retry-after': '1' }), 2);
    await assert.rejects(configmaps.get('x', { namespace: 'default' }), isTooManyRequests);
    assert.equal(server.requests.length, 3);
  });

  it('retries a GET whose stream breaks after it was sent, but not a POST', async () => {
    const { server, configmaps } = await setup((req, i, res) => {
      // The first GET and every POST: the server resets the stream without answering.
      if ((req.method === 'GET' && i === 0) || req.method === 'POST') return res.stream.close(h2.NGHTTP2_INTERNAL_ERROR);
      reply(res, 200, okConfigMap);
    });
    await configmaps.get('x', { namespace: 'default' });
    assert.equal(server.requests.length, 2);
    const err = await configmaps.create({ ...okConfigMap }, { namespace: 'default' }).catch((e: unknown) => e);
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.code, 'ConnectionLost');
    assert.equal(err.requestSent, true);
    assert.equal(server.requests.length, 3, 'the POST was not retried');
  });

  it('retries a POST whose connection could not even be dialled', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const clock = recordingClock();
    const config: ClientConfig = { server: `https://127.0.0.1:${port}`, namespace: 'default' };
    const client = new RestClient({ config, clock, retry: { maxRetries: 3, backoff: { initialMs: 100, maxMs: 1000, jitter: 0 } } });
    clients.push(client);
    const err = await client.resource('', 'v1', 'configmaps').create({ ...okConfigMap }).catch((e: unknown) => e);
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.code, 'ConnectFailed');
    assert.equal(err.requestSent, false);
    assert.equal(client.transport.stats.dials, 4, 'the first attempt and 3 retries each dialled');
    assert.deepEqual(clock.delays, [100, 200, 400]);
  });

  it('does not retry a request that timed out', async () => {
    const { server, configmaps } = await setup(() => {
      /* never answers */
    });
    const started = Date.now();
    const err = await configmaps.get('x', { namespace: 'default', timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof TransportError && err.code === 'Timeout', String(err));
    assert.ok(Date.now() - started < 2_000);
    assert.equal(server.requests.length, 1);
  });
});
