/**
 * @module bench/proxy
 *
 * The service proxy's data path against going direct, measured in the same run on the same
 * endpoint servers (the proxy runs in a worker thread, so it has an event loop of its own):
 *   - throughput: 4 connections each streaming 64 KiB writes to a sink, MB/s received;
 *   - new connections: 8 loops of connect, 1-byte request, 1-byte answer, close — conn/s;
 *   - latency: one connection, 64-byte request/response ping-pong — p50/p99, and what the proxy
 *     adds to p99 (goal: < 1 ms; throughput goal: ≥ 0.5× direct).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { Latencies, printTable, round } from './stats.js';

const ENDPOINT_IP = '127.64.200.1';
const SERVICE_ADDRESS = '127.128.200.1';
const PORTS = { sink: 28001, answer: 28002, echo: 28003 } as const;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

interface Target {
  readonly host: string;
  readonly port: (kind: keyof typeof PORTS) => number;
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ENDPOINT_IP, () => resolve());
  });
}

async function startEndpoints(): Promise<{ sinkBytes: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const sink = net.createServer((s) => {
    track(s);
    s.on('data', (d: Buffer) => (bytes += d.length));
  });
  const answer = net.createServer((s) => {
    track(s);
    s.once('data', () => s.end('y'));
  });
  const echo = net.createServer((s) => {
    track(s);
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  await Promise.all([listen(sink, PORTS.sink), listen(answer, PORTS.answer), listen(echo, PORTS.echo)]);
  return {
    sinkBytes: () => bytes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([sink, answer, echo].map((srv) => new Promise((r) => srv.close(r))));
    },
  };
}

function connect(target: Target, kind: keyof typeof PORTS): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: target.host, port: target.port(kind), noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

async function throughput(target: Target, seconds: number, sinkBytes: () => number): Promise<number> {
  const sockets = await Promise.all(Array.from({ length: 4 }, () => connect(target, 'sink')));
  const start = sinkBytes();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          const pump = () => {
            while (performance.now() < deadline) if (!s.write(CHUNK)) return void s.once('drain', pump);
            resolve();
          };
          pump();
        }),
    ),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const mb = (sinkBytes() - start) / 1e6;
  for (const s of sockets) s.destroy();
  return mb / elapsed;
}

async function connectionRate(target: Target, seconds: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < deadline) {
        const s = await connect(target, 'answer');
        await new Promise<void>((resolve) => {
          s.once('data', () => resolve());
          s.once('close', () => resolve());
          s.write('x');
        });
        s.destroy();
        done++;
      }
    }),
  );
  return done / seconds;
}

async function latency(target: Target, seconds: number): Promise<{ p50: number; p99: number }> {
  const s = await connect(target, 'echo');
  const message = Buffer.alloc(64, 'p');
  const lat = new Latencies();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer) => {
        got += d.length;
        if (got >= message.length) {
          s.off('data', onData);
          resolve();
        }
      };
      s.on('data', onData);
      s.write(message);
    });
    lat.add(performance.now() - t0);
  }
  s.destroy();
  const { p50, p99 } = lat.summary();
  return { p50, p99 };
}

async function startProxy(): Promise<Worker> {
  const routes = (Object.keys(PORTS) as (keyof typeof PORTS)[]).map((k) => ({ listenAddress: SERVICE_ADDRESS, listenPort: PORTS[k] + 1000, endpointIp: ENDPOINT_IP, endpointPort: PORTS[k] }));
  // A worker does not inherit tsx's loader hooks: register them first, then load the TypeScript entry.
  const entry = new URL('./proxy-server.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData: { routes } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return worker;
}

export async function runProxyBench(options: { seconds: number }): Promise<Record<string, unknown>> {
  const endpoints = await startEndpoints();
  const worker = await startProxy();
  const seconds = options.seconds;
  const direct: Target = { host: ENDPOINT_IP, port: (k) => PORTS[k] };
  const proxied: Target = { host: SERVICE_ADDRESS, port: (k) => PORTS[k] + 1000 };
  const results: Record<string, { throughputMBs: number; connPerSecond: number; p50Ms: number; p99Ms: number }> = {};
  try {
    for (const [name, target] of [['direct', direct], ['proxy', proxied]] as const) {
      const mbs = await throughput(target, seconds, endpoints.sinkBytes);
      const cps = await connectionRate(target, seconds);
      const lat = await latency(target, seconds);
      results[name] = { throughputMBs: round(mbs, 1), connPerSecond: round(cps, 0), p50Ms: round(lat.p50, 3), p99Ms: round(lat.p99, 3) };
    }
  } finally {
    worker.postMessage({ stop: true });
    await new Promise((r) => worker.once('exit', r));
    await endpoints.close();
  }
  const d = results.direct!;
  const p = results.proxy!;
  const throughputRatio = round(p.throughputMBs / d.throughputMBs);
  const connRatio = round(p.connPerSecond / d.connPerSecond);
  const addedP99Ms = round(p.p99Ms - d.p99Ms, 3);
  console.log(`\nproxy: ${seconds}s per phase; 4 streaming connections, 8 connect loops, 1 ping-pong connection`);
  printTable([
    { path: 'direct', 'MB/s': d.throughputMBs, 'conn/s': d.connPerSecond, 'p50 ms': d.p50Ms, 'p99 ms': d.p99Ms, 'MB/s ratio': 1, 'conn/s ratio': 1, 'added p99 ms': 0 },
    { path: 'proxy', 'MB/s': p.throughputMBs, 'conn/s': p.connPerSecond, 'p50 ms': p.p50Ms, 'p99 ms': p.p99Ms, 'MB/s ratio': throughputRatio, 'conn/s ratio': connRatio, 'added p99 ms': addedP99Ms },
  ]);
  return { seconds, direct: d, proxy: p, proxyThroughputRatio: throughputRatio, proxyConnRateRatio: connRatio, proxyAddedP99Ms: addedP99Ms };
}
