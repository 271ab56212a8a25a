import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { echoOptionsFromEnv } from './options.js';
import { startEchoServer } from './server.js';

/** One GET on the agent: 'ok', 'told to close' (Connection: close), or the error code. */
function get(port: number, agent: http.Agent): Promise<'ok' | 'close' | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers.connection === 'close' ? 'close' : 'ok'));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('tskube/echo graceful shutdown', () => {
  it('never drops a busy keep-alive connection: each client is told Connection: close with an answer', async () => {
    const echo = await startEchoServer(echoOptionsFromEnv({ POD_IP: '127.0.0.1', PORT: '0' }), Date.now());
    const port = echo.address.port;
    const clients = Array.from({ length: 4 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const outcomes: string[][] = clients.map(() => []);
    // Each client sends back to back on its one connection until it is told to close, as a
    // long-lived service client does; before the fix, shutdown closed the connections that were
    // idle at that instant, and the request each client was about to send failed (ECONNRESET).
    const loops = clients.map(async (agent, i) => {
      for (;;) {
        const outcome = await get(port, agent);
        outcomes[i]!.push(outcome);
        if (outcome !== 'ok' || outcomes[i]!.length > 10_000) return; // bounded, should shutdown never say close
      }
    });
    while (outcomes.some((o) => o.length < 20)) await new Promise((r) => setImmediate(r));
    const closed = echo.shutdown();
    await Promise.all(loops);
    await closed;
    clients.forEach((a) => a.destroy());
    for (const o of outcomes) {
      assert.deepEqual(o.filter((x) => x !== 'ok'), ['close'], 'the only answer that is not plain ok is the one saying Connection: close');
    }
  });

  it('closes an idle keep-alive connection and finishes', async () => {
    const echo = await startEchoServer(echoOptionsFromEnv({ POD_IP: '127.0.0.1', PORT: '0' }), Date.now());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal(await get(echo.address.port, agent), 'ok');
    const socketClosed = new Promise<void>((resolve) => {
      const free = Object.values(agent.freeSockets).flat()[0];
      assert.ok(free, 'the connection is kept alive');
      free.once('close', () => resolve());
    });
    await echo.shutdown();
    await socketClosed;
    agent.destroy();
  });
});
