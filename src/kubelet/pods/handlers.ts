/**
 * @module kubelet/pods/handlers
 *
 * The actions probes and lifecycle hooks share, with upstream's success rules and failure
 * messages: httpGet (GET to the pod IP or `host`, 200–399 succeeds), tcpSocket (a connection
 * opens), exec (exit 0, through the runtime), and sleep (hooks only).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, ExecAction, HTTPGetAction, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/interface.js';

export interface HandlerTarget {
  readonly runtime: ContainerRuntime;
  readonly containerId: string;
  readonly container: Container;
  /** The pod's IP: where httpGet and tcpSocket go unless they name a host. */
  readonly podIP: string;
}

export interface HandlerResult {
  readonly ok: boolean;
  /** Why it failed (or what it said), upstream's wording. */
  readonly message: string;
  /** An exec handler's exit code. */
  readonly exitCode?: number;
}

/** A port by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export async function runHttpGet(action: HTTPGetAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP;
  if (port === undefined) return { ok: false, message: `couldn't find port: ${String(action.port)} in ${target.container.name}` };
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = (scheme === 'https' ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` }));
      res.on('error', () => resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, message: `Get "${url}": ${dialMessage(host, port, err)}` }));
    req.end();
  });
}

export async function runTcpSocket(action: TCPSocketAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP;
  if (port === undefined) return { ok: false, message: `couldn't find port: ${String(action.port)} in ${target.container.name}` };
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, message: dialMessage(host, port, err) });
    });
  });
}

export async function runExec(action: ExecAction, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const command = action.command ?? [];
  try {
    const result = await target.runtime.exec(target.containerId, command, { timeoutMs });
    const output = Buffer.concat([result.stdout, result.stderr]).toString('utf8');
    if (result.timedOut) return { ok: false, message: `command "${command.join(' ')}" timed out` };
    if (result.exitCode !== 0) return { ok: false, message: output, exitCode: result.exitCode };
    return { ok: true, message: output };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Go's net error wording, which kubectl users grep for. */
function dialMessage(host: string, port: number, err: NodeJS.ErrnoException): string {
  const reason = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.code === 'EHOSTUNREACH' ? 'connect: no route to host' : err.message;
  return `dial tcp ${host}:${port}: ${reason}`;
}
