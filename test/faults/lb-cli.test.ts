import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startControlApi } from '../../src/faults/control-api.js';
import { getStatus, postFault } from '../../src/faults/control-client.js';
import { startLoadBalancer } from '../../src/faults/load-balancer.js';
import { startCli } from '../support/cli.js';
import { connectOutcome, connectRecording, startEchoServer, type EchoServer } from './support.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const exec = promisify(execFile);

/** Runs the CLI without blocking this process (the echo server and clients live here). */
async function tskube(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', MAIN, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let echo: EchoServer;
before(async () => (echo = await startEchoServer()));
after(() => echo.close());

describe('lb control API', () => {
  it('serves GET /status, POST /fault and POST /backends, and answers bad requests with one line', async (t) => {
    const lb = await startLoadBalancer({ listen: { host: '127.0.0.1', port: 0 }, backends: [{ host: '127.0.0.1', port: echo.port }] });
    t.after(() => lb.close());
    const api = await startControlApi(lb, { listen: { host: '127.0.0.1', port: 0 } });
    t.after(() => api.close());

    const client = await connectRecording(lb.address.port);
    t.after(() => void client.socket.destroy());
    const fault = await postFault(api.address, { mode: 'blackhole', scope: 'established', durationSeconds: 30 });
    assert.equal(fault.mode, 'blackhole');
    assert.deepEqual(fault.affected, [1]);
    assert.ok(fault.expiresAt);
    const status = await getStatus(api.address);
    assert.equal(status.connections.open, 1);
    assert.equal(status.connectionDetails[0]?.mode, 'blackhole');

    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${api.url}${path}`, { method: 'POST', body, headers: { 'content-type': type } }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } }));
    const cases: [Promise<{ status: number; body: { error?: string } }>, number, RegExp][] = [
      [post('/fault', '{"mode":"latency"}'), 400, /latency needs latencyMs/],
      [post('/fault', '{"mode":"blackhole","latency":5}'), 400, /unknown field "latency"/],
      [post('/fault', '{"mode":"drop","probability":7}'), 400, /probability must be a number from 0 to 1/],
      [post('/fault', 'not json'), 400, /not JSON/],
      [post('/fault', '{"mode":"pass"}', 'text/plain'), 415, /Content-Type: application\/json/],
      [post('/backends', '{"backends":["nohost"]}'), 400, /not HOST:PORT/],
      [post('/backends', '{"backends":[]}'), 400, /at least one backend/],
      [post('/status', '{}'), 405, /GET/],
      [fetch(`${api.url}/nope`).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } })), 404, /GET \/status/],
    ];
    for (const [answer, code, message] of cases) {
      const { status: got, body } = await answer;
      assert.equal(got, code, JSON.stringify(body));
      assert.match(body.error ?? '', message);
      assert.ok(!body.error?.includes('\n'), 'one line');
    }
    assert.equal((await getStatus(api.address)).fault.mode, 'blackhole', 'a rejected request changes nothing');

    const backends = await post('/backends', JSON.stringify({ backends: [`127.0.0.1:${echo.port}`, `localhost:${echo.port}`] }));
    assert.equal(backends.status, 200);
    assert.equal((await getStatus(api.address)).backends.length, 2);
  });

  it('listens on loopback only', async (t) => {
    const lb = await startLoadBalancer({ listen: { host: '127.0.0.1', port: 0 }, backends: [{ host: '127.0.0.1', port: echo.port }] });
    t.after(() => lb.close());
    await assert.rejects(startControlApi(lb, { listen: { host: '0.0.0.0', port: 0 } }), /only listens on loopback/);
  });
});

describe('tskube lb', () => {
  it('runs a balancer that `lb fault` and `lb status` drive end to end', async (t) => {
    const lb = startCli(['lb', '--listen', '127.0.0.1:0', '--backend', `127.0.0.1:${echo.port}`, '--control', '127.0.0.1:0']);
    t.after(() => lb.stop());
    const listenLine = await lb.waitFor(/listening on/);
    const controlLine = await lb.waitFor(/control API on/);
    await lb.waitFor(/running; press Ctrl-C/);
    const lbPort = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(listenLine)?.[1]);
    const control = /http:\/\/(127\.0\.0\.1:\d+)/.exec(controlLine)?.[1] ?? '';
    assert.ok(lbPort > 0 && control, `${listenLine} / ${controlLine}`);

    const old = await connectRecording(lbPort);
    t.after(() => void old.socket.destroy());
    old.socket.write('before;');
    await old.waitForData('before;');

    const set = await tskube(['lb', 'fault', 'blackhole', '--scope', 'established', '--control', control]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /fault blackhole on established connections.*affects 1 open \(1\)/);

    old.socket.write('during;');
    assert.equal(await connectOutcome(lbPort), 'connected', 'a new connection works through the balancer');
    const status = await tskube(['lb', 'status', '--control', control]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /fault: +blackhole on established connections/);
    assert.match(status.stdout, /^1 +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +open +blackhole /m);
    const json = await tskube(['lb', 'status', '--json', '--control', control]);
    const parsed = JSON.parse(json.stdout) as { connections: { total: number }; fault: { mode: string } };
    assert.equal(parsed.fault.mode, 'blackhole');
    assert.equal(parsed.connections.total, 2);
    assert.equal(old.received(), 'before;', 'nothing crossed while blackholed');
    assert.deepEqual(old.events, ['connect']);

    const lift = await tskube(['lb', 'fault', 'pass', '--control', control]);
    assert.equal(lift.code, 0, lift.stderr);
    await old.waitForData('before;during;');

    assert.equal(await lb.stop('SIGTERM'), 0);
    assert.ok(lb.output.some((l) => l.includes('tskube lb: stopped.')));
  });

  it('rejects bad input with one line that says what to do', async () => {
    const results = await Promise.all([
      tskube(['lb', 'fault', 'latency', '--control', '127.0.0.1:1']),
      tskube(['lb', 'fault', 'sideways', '--control', '127.0.0.1:1']),
      tskube(['lb', 'status', '--control', '127.0.0.1:1']),
      tskube(['lb', '--listen', '127.0.0.1:0', '--backend', 'nohost', '--control', '127.0.0.1:0']),
    ]);
    const expected = [
      /needs --latency-ms, e\.g\. tskube lb fault latency --latency-ms 2000/,
      /Allowed choices are pass, blackhole, reset, refuse, latency, drop/,
      /cannot reach the lb control API at 127\.0\.0\.1:1 \(ECONNREFUSED\)/,
      /--backend.*"nohost" is not HOST:PORT; write e\.g\. 127\.0\.0\.1:6443/,
    ];
    results.forEach((res, i) => {
      assert.equal(res.code, 1, res.stdout);
      assert.match(res.stderr, expected[i]!);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    });
  });
});
