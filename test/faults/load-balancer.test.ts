import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createCertificateAuthority, issueServingCertificate } from '../../src/apiserver/pki/certificates.js';
import { startLoadBalancer, type LoadBalancer } from '../../src/faults/load-balancer.js';
import { connectOutcome, connectRecording, delay, startEchoServer, waitUntil, type EchoServer } from './support.js';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

/** A balancer in front of `ports`, closed when the test ends. */
async function balancer(t: { after(fn: () => Promise<void>): void }, ports: number[], options: Partial<Parameters<typeof startLoadBalancer>[0]> = {}) {
  const lb = await startLoadBalancer({ listen: LOOPBACK, backends: ports.map((port) => ({ host: '127.0.0.1', port })), ...options });
  t.after(() => lb.close());
  return lb;
}

function connectionOf(lb: LoadBalancer, localPort: number | undefined) {
  return lb.status().connectionDetails.find((c) => c.client === `127.0.0.1:${localPort}`);
}

let echo: EchoServer;
before(async () => (echo = await startEchoServer()));
after(() => echo.close());

describe('fault-injecting load balancer: forwarding', () => {
  it('forwards an HTTP/1.1 request and counts connections and bytes', async (t) => {
    const server = http.createServer((_req, res) => res.end('hello from the backend'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const lb = await balancer(t, [(server.address() as AddressInfo).port]);

    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: lb.address.port, path: '/', agent: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, 'hello from the backend');
    await waitUntil(() => lb.status().connections.open === 0, 3000, 'the connection to close');
    const status = lb.status();
    assert.equal(status.connections.total, 1);
    assert.ok(status.bytes.clientToBackend > 0 && status.bytes.backendToClient > 'hello from the backend'.length, JSON.stringify(status.bytes));
    assert.equal(status.connectionDetails[0]?.state, 'closed');
  });

  it('forwards an HTTP/2 session over TLS (ALPN passes through)', async (t) => {
    const { h2, ca } = await startH2Server(t);
    const lb = await balancer(t, [h2]);
    const session = http2.connect(`https://127.0.0.1:${lb.address.port}`, { ca });
    t.after(() => void session.destroy());
    assert.equal(await h2Get(session, '/a'), 'h2 says /a');
    assert.equal(session.alpnProtocol, 'h2');
    assert.equal(await h2Get(session, '/b'), 'h2 says /b');
    assert.equal(lb.status().connections.total, 1, 'both requests share one connection');
  });

  it('spreads new connections round-robin, least-connections, and over replaced backends', async (t) => {
    const other = await startEchoServer();
    t.after(() => other.close());
    const lb = await balancer(t, [echo.port, other.port], { policy: 'least-connections' });
    const first = echo.accepted();
    const second = other.accepted();
    const a = await connectRecording(lb.address.port);
    const b = await connectRecording(lb.address.port);
    await waitUntil(() => echo.accepted() === first + 1 && other.accepted() === second + 1, 3000, 'one connection on each backend');
    b.socket.destroy();
    await waitUntil(() => lb.status().connections.open === 1, 3000, 'b to close');
    // Round-robin would pick the first backend again; the second has no open connection left.
    const c = await connectRecording(lb.address.port);
    await waitUntil(() => other.accepted() === second + 2, 3000, 'c on the idle backend');

    lb.setBackends([{ host: '127.0.0.1', port: echo.port }]);
    const d = await connectRecording(lb.address.port);
    await waitUntil(() => echo.accepted() === first + 2, 3000, 'd on the only backend left');
    assert.deepEqual(
      lb.status().backends.map((x) => x.address),
      [`127.0.0.1:${echo.port}`],
    );
    for (const x of [a, c, d]) x.socket.destroy();
  });

  it('resets the client when its backend is down, and says why in the status', async (t) => {
    const down = await startEchoServer();
    await down.close();
    const lb = await balancer(t, [down.port]);
    assert.equal(await connectOutcome(lb.address.port), 'ECONNRESET');
    await waitUntil(() => lb.status().connections.open === 0, 3000, 'the connection to close');
    assert.equal(lb.status().connectionDetails[0]?.error, 'backend: ECONNREFUSED');
  });

  it('carries 8 MiB both ways byte for byte, with backpressure, under latency', async (t) => {
    const lb = await balancer(t, [echo.port]);
    await lb.setFault({ mode: 'latency', latencyMs: 5 });
    const payload = randomBytes(8 * 1024 * 1024);
    const socket = net.connect({ port: lb.address.port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let size = 0;
    const echoed = new Promise<void>((resolve, reject) => {
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        size += d.length;
        if (size >= payload.length) resolve();
      });
      socket.on('error', reject);
    });
    socket.end(payload);
    await echoed;
    socket.destroy();
    assert.ok(Buffer.concat(chunks).equals(payload), 'the echo is the payload, in order');
  });

  it('close() ends every connection; so does aborting its signal', async (t) => {
    const lb = await balancer(t, [echo.port]);
    const client = await connectRecording(lb.address.port);
    client.socket.write('ping');
    await client.waitForData('ping');
    await lb.close();
    await client.waitForEvent(/close/);
    assert.equal(await connectOutcome(lb.address.port), 'ECONNREFUSED');

    const controller = new AbortController();
    const second = await startLoadBalancer({ listen: LOOPBACK, backends: [{ host: '127.0.0.1', port: echo.port }], signal: controller.signal });
    const other = await connectRecording(second.address.port);
    controller.abort();
    await other.waitForEvent(/close/);
  });
});

describe('fault-injecting load balancer: faults', () => {
  it('blackhole on established connections (the seed): an in-flight HTTP/2 request gets nothing while a new connection works, then recovers', async (t) => {
    const { h2, ca } = await startH2Server(t);
    const lb = await balancer(t, [h2]);
    const old = http2.connect(`https://127.0.0.1:${lb.address.port}`, { ca });
    t.after(() => void old.destroy());
    assert.equal(await h2Get(old, '/before'), 'h2 says /before');
    const sessionEvents: string[] = [];
    for (const event of ['error', 'close', 'goaway', 'frameError']) old.on(event, () => sessionEvents.push(event));

    const fault = await lb.setFault({ mode: 'blackhole', scope: 'established', durationSeconds: 1.5 });
    assert.deepEqual(fault.affected, [1]);
    const started = Date.now();
    let settled = '';
    const inFlight = h2Get(old, '/during').then(
      (body) => ((settled = `response after ${Date.now() - started} ms`), body),
      (err: Error) => ((settled = `error ${err.message}`), ''),
    );

    // A new connection is not established, so it is not under the fault.
    const fresh = http2.connect(`https://127.0.0.1:${lb.address.port}`, { ca });
    t.after(() => void fresh.destroy());
    assert.equal(await h2Get(fresh, '/new'), 'h2 says /new');
    await delay(Math.max(0, 800 - (Date.now() - started)));
    assert.equal(settled, '', 'the in-flight request neither answered nor failed');
    assert.deepEqual(sessionEvents, [], 'no error, no close, no GOAWAY on the dead connection');
    const dead = lb.status().connectionDetails.find((c) => c.id === 1);
    assert.equal(dead?.mode, 'blackhole');
    assert.ok((dead?.heldBytes ?? 0) > 0, 'the request is held by the balancer');
    assert.equal(lb.status().connectionDetails.find((c) => c.id === 2)?.mode, 'pass');

    // The duration ends, the fault lifts by itself, and the held request goes through.
    assert.equal(await inFlight, 'h2 says /during');
    assert.ok(Date.now() - started >= 1400, settled);
    assert.equal(lb.status().fault.mode, 'pass');
  });

  it('blackhole sends nothing (no FIN, no RST) and holds bytes in order until lifted, for new connections too', async (t) => {
    const lb = await balancer(t, [echo.port]);
    const client = await connectRecording(lb.address.port);
    client.socket.write('one;');
    await client.waitForData('one;');

    await lb.setFault({ mode: 'blackhole' });
    client.socket.write('two;');
    client.socket.write('three;');
    const fresh = await connectRecording(lb.address.port);
    fresh.socket.write('fresh;');
    await delay(500);
    assert.equal(client.received(), 'one;');
    assert.deepEqual(client.events, ['connect']);
    assert.equal(fresh.received(), '');
    assert.deepEqual(fresh.events, ['connect']);

    await lb.setFault({ mode: 'pass' });
    await client.waitForData('one;two;three;');
    await fresh.waitForData('fresh;');
    assert.deepEqual(client.events, ['connect']);
    client.socket.destroy();
    fresh.socket.destroy();
  });

  it('blackholes only the chosen connections, by id or by predicate', async (t) => {
    const lb = await balancer(t, [echo.port]);
    const a = await connectRecording(lb.address.port);
    const b = await connectRecording(lb.address.port);
    await waitUntil(() => lb.status().connections.open === 2, 3000, 'two connections');
    const idA = connectionOf(lb, a.socket.localPort)!.id;
    await lb.setFault({ mode: 'blackhole', connections: [idA] });
    a.socket.write('a;');
    b.socket.write('b;');
    await b.waitForData('b;');
    await delay(200);
    assert.equal(a.received(), '');

    await lb.setFault({ mode: 'blackhole', match: (c) => c.remotePort === b.socket.localPort });
    b.socket.write('b2;');
    await a.waitForData('a;');
    await delay(200);
    assert.equal(b.received(), 'b;');
    assert.equal(lb.status().fault.byPredicate, true);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('reset gives ECONNRESET on established connections; scope established leaves new ones alone', async (t) => {
    const lb = await balancer(t, [echo.port]);
    const client = await connectRecording(lb.address.port).catch((e: Error) => assert.fail(e));
    client.socket.write('hi');
    await client.waitForData('hi');
    client.socket.removeAllListeners('error');
    client.socket.on('error', (err: NodeJS.ErrnoException) => client.events.push(`error:${err.code}`));
    await lb.setFault({ mode: 'reset', scope: 'established' });
    assert.equal(await client.waitForEvent(/^error/), 'error:ECONNRESET');
    assert.equal(await connectOutcome(lb.address.port), 'connected');

    await lb.setFault({ mode: 'reset', scope: 'new' });
    assert.equal(await connectOutcome(lb.address.port), 'ECONNRESET');
    assert.equal(lb.status().connections.refused, 1);
  });

  it('refuse: new connections get ECONNREFUSED, established ones are reset, and it all recovers', async (t) => {
    const lb = await balancer(t, [echo.port]);
    const client = await connectRecording(lb.address.port);
    client.socket.removeAllListeners('error');
    client.socket.on('error', (err: NodeJS.ErrnoException) => client.events.push(`error:${err.code}`));
    await lb.setFault({ mode: 'refuse' });
    assert.equal(await client.waitForEvent(/^error/), 'error:ECONNRESET');
    assert.equal(await connectOutcome(lb.address.port), 'ECONNREFUSED');
    assert.equal(lb.status().listening, false);

    await lb.setFault({ mode: 'pass' });
    assert.equal(lb.status().listening, true);
    assert.equal(await connectOutcome(lb.address.port), 'connected');

    // Refusing only some clients needs the balancer to accept first: those are reset at once.
    await lb.setFault({ mode: 'refuse', scope: 'new', match: (c) => c.remoteAddress === '127.0.0.1' });
    assert.equal(await connectOutcome(lb.address.port), 'ECONNRESET');
  });

  it('latency delays every chunk by at least latencyMs in each direction', async (t) => {
    const lb = await balancer(t, [echo.port]);
    const client = await connectRecording(lb.address.port);
    await lb.setFault({ mode: 'latency', latencyMs: 150 });
    const started = performance.now();
    client.socket.write('slow');
    await client.waitForData('slow');
    const rtt = performance.now() - started;
    assert.ok(rtt >= 300, `round trip ${rtt} ms, expected at least 2 × 150 ms`);
    assert.ok(rtt < 2000, `round trip ${rtt} ms`);
    client.socket.destroy();
  });

  it('drop delays a "lost" chunk as a retransmission would, holding up the chunks behind it', async (t) => {
    let draws = 0;
    // Only the very first chunk is "lost".
    const lb = await balancer(t, [echo.port], { random: () => (draws++ === 0 ? 0 : 0.99) });
    const client = await connectRecording(lb.address.port);
    await lb.setFault({ mode: 'drop', probability: 0.5, retransmitMs: 200 });
    let started = performance.now();
    client.socket.write('a;');
    await delay(20);
    client.socket.write('b;');
    await client.waitForData('b;');
    let elapsed = performance.now() - started;
    assert.ok(elapsed >= 200, `b waits behind the lost a, as TCP's in-order delivery makes it; took ${elapsed} ms`);
    assert.equal(client.received(), 'a;b;');

    await lb.setFault({ mode: 'drop', probability: 1, retransmitMs: 100 });
    draws = 0;
    started = performance.now();
    client.socket.write('c;');
    await client.waitForData('c;');
    elapsed = performance.now() - started;
    assert.ok(elapsed >= 200, `every chunk lost once each way: two retransmission delays, took ${elapsed} ms`);
    client.socket.destroy();
  });
});

async function startH2Server(t: { after(fn: () => Promise<void> | void): void }): Promise<{ h2: number; ca: string }> {
  const ca = await createCertificateAuthority();
  const cert = await issueServingCertificate(ca, { subjectAltNames: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } });
  const server = http2.createSecureServer({ cert: cert.certPem, key: cert.keyPem, allowHTTP1: false });
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(`h2 says ${headers[':path']}`);
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  );
  return { h2: (server.address() as AddressInfo).port, ca: ca.certPem };
}

function h2Get(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
    req.end();
  });
}
