/**
 * @module bench/proxy-server
 *
 * The proxy under test, in a worker thread of its own (as kube-proxy is a process of its own):
 * one PortProxy per endpoint port it is told about, listening at a host-mode Service address and
 * forwarding to that one endpoint. Posts `{ ready: true }` once listening.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../src/log.js';
import { HostBinder } from '../src/proxy/binder.js';
import { PortProxy } from '../src/proxy/port-proxy.js';

interface Route {
  readonly listenAddress: string;
  readonly listenPort: number;
  readonly endpointIp: string;
  readonly endpointPort: number;
}

const routes = (workerData as { routes: Route[] }).routes;
const log = createLogger('bench-proxy');
const proxies = routes.map((r) => {
  const proxy = new PortProxy({ address: r.listenAddress, port: r.listenPort, protocol: 'TCP', binder: new HostBinder(0), log });
  proxy.update({ candidates: [{ ip: r.endpointIp, port: r.endpointPort, ready: true, serving: true, terminating: false, zoneHints: [] }] });
  return proxy;
});
await Promise.all(proxies.map((p) => p.settled()));
if (!proxies.every((p) => p.listening)) throw new Error('the proxy could not listen');
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (m: { stop?: boolean }) => {
  if (m.stop) void Promise.all(proxies.map((p) => p.shutdown())).then(() => parentPort!.close());
});
