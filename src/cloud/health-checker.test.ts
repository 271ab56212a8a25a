import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createLogger } from '../log.js';
import { HealthChecker, type HealthTarget } from './health-checker.js';

/** Waits (bounded, not a timing claim) until `check` holds after one of the checker's changes. */
function changesUntil(changes: { wake?: () => void }, check: () => boolean, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`condition not reached within ${ms} ms`)), ms);
    changes.wake = () => {
      if (!check()) return;
      clearTimeout(timer);
      delete changes.wake;
      resolve();
    };
  });
}

describe('HealthChecker', () => {
  it('turns a target healthy on 200, unhealthy after failures in a row, and says why', async (t) => {
    let status = 200;
    let probes = 0;
    const server = http.createServer((_req, res) => (probes++, res.writeHead(status).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const target: HealthTarget = { node: 'n1', host: '127.0.0.1', port: (server.address() as AddressInfo).port };

    const changes: { wake?: () => void } = {};
    const seen: string[] = [];
    const stop = new AbortController();
    const checker = new HealthChecker({
      intervalMs: 50,
      timeoutMs: 1000,
      unhealthyThreshold: 2,
      onChange: () => {
        const h = checker.health(target);
        seen.push(`${h.health}/${h.last}`);
        changes.wake?.();
      },
      log: createLogger('test'),
    });
    const running = checker.run(stop.signal);
    t.after(async () => {
      stop.abort();
      await running;
    });

    assert.equal(checker.health(target).health, 'unhealthy', 'unknown targets are not backends');
    let reached = changesUntil(changes, () => checker.health(target).health === 'healthy');
    checker.setTargets([target]);
    await reached;
    assert.deepEqual(checker.health(target), { health: 'healthy', last: '200' });

    reached = changesUntil(changes, () => checker.health(target).health === 'unhealthy');
    status = 503;
    const probesBefore = probes;
    await reached;
    assert.deepEqual(checker.health(target), { health: 'unhealthy', last: '503' });
    assert.ok(probes - probesBefore >= 2, 'one failure is not enough (unhealthyThreshold 2)');
    assert.deepEqual(seen, ['healthy/200', 'healthy/503', 'unhealthy/503'], 'a change of answer is reported, then the verdict');

    reached = changesUntil(changes, () => checker.health(target).health === 'healthy');
    status = 200;
    await reached;

    // Dropped targets are forgotten; a target nobody listens on never turns healthy.
    checker.setTargets([]);
    assert.equal(checker.health(target).health, 'unhealthy');
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead: HealthTarget = { node: 'n2', host: '127.0.0.1', port: (closed.address() as AddressInfo).port };
    await new Promise<void>((r) => closed.close(() => r()));
    reached = changesUntil(changes, () => checker.health(dead).last !== undefined);
    checker.setTargets([dead]);
    await reached;
    assert.deepEqual(checker.health(dead), { health: 'unhealthy', last: 'ECONNREFUSED' });
  });
});
