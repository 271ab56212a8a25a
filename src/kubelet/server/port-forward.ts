/**
 * @module kubelet/server/port-forward
 *
 * /portForward/{namespace}/{pod}: kubectl's port-forward protocol (portforward.k8s.io) over SPDY,
 * reached two ways, as upstream kubelet:
 *   - WebSocket with subprotocol `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+ first choice): the
 *     SPDY bytes ride in binary messages;
 *   - `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io` (the fallback).
 * For every local connection kubectl opens two SPDY streams with the same `requestid` and `port`:
 * an error stream (the kubelet writes a message there if it cannot connect) and a data stream,
 * piped to a TCP connection to the pod's IP and port from this node.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../../log.js';
import { PORT_FORWARD_SPDY_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL } from './channel-protocol.js';
import { kubeletErrors } from './errors.js';
import type { KubeletPodLookup } from './lookup.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';

/** How long the first stream of a pair waits for its partner, as upstream's stream creation timeout. */
const PAIR_TIMEOUT_MS = 30_000;

/**
 * `SPDY/3.1+portforward.k8s.io` is not a valid HTTP token (the `/`), so ws would refuse the
 * handshake. The protocol is checked here instead, hidden from ws, and put back in the 101.
 */
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const tunnelRequests = new WeakSet<IncomingMessage>();
wss.on('headers', (headers: string[], req: IncomingMessage) => {
  if (tunnelRequests.has(req)) headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL_PROTOCOL}`);
});

export function upgradePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: { namespace: string; pod: string },
  lookup: KubeletPodLookup,
  log: Logger,
  signal: AbortSignal,
): void {
  const podIP = lookup.podIP(target.namespace, target.pod);
  if (!podIP) throw kubeletErrors.notFound(`pod "${target.pod}" in namespace "${target.namespace}" not found on this node`);
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  const serve = (conn: Duplex) => servePortForward(conn, { ...target, podIP }, log, signal);
  if (upgrade === 'websocket') {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
      throw kubeletErrors.badRequest(
        `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_TUNNEL_PROTOCOL}]`,
      );
    }
    delete req.headers['sec-websocket-protocol'];
    tunnelRequests.add(req);
    wss.handleUpgrade(req, socket, head, (ws) => serve(createWebSocketStream(ws)));
    return;
  }
  if (upgrade === 'spdy/3.1') {
    const versions = ([] as string[]).concat(req.headers['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',').map((s) => s.trim()));
    if (!versions.includes(PORT_FORWARD_SPDY_PROTOCOL)) {
      throw kubeletErrors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server supports [${PORT_FORWARD_SPDY_PROTOCOL}]`);
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_SPDY_PROTOCOL}\r\n\r\n`,
    );
    if (head.length > 0) socket.unshift(head);
    serve(socket);
    return;
  }
  throw kubeletErrors.badRequest('Upgrade request required');
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

function servePortForward(conn: Duplex, target: { namespace: string; pod: string; podIP: string }, log: Logger, signal: AbortSignal): void {
  const pairs = new Map<string, Pair>();
  const sockets = new Set<Socket>();
  conn.on('error', () => conn.destroy());
  const session = new SpdySession(conn, {
    onStream: (stream) => void accept(stream),
    onError: (err) => log.debug({ err, pod: `${target.namespace}/${target.pod}` }, 'port-forward connection failed'),
  });
  const onAbort = () => session.close();
  signal.addEventListener('abort', onAbort, { once: true });
  void session.done.then(() => {
    signal.removeEventListener('abort', onAbort);
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    for (const s of sockets) s.destroy();
  });

  async function accept(stream: SpdyStream): Promise<void> {
    stream.on('error', () => stream.destroy());
    const type = stream.headers.streamtype;
    const requestId = stream.headers.requestid ?? '';
    if ((type !== 'error' && type !== 'data') || !stream.headers.port) {
      stream.reset();
      return;
    }
    await stream.reply();
    let pair = pairs.get(requestId);
    if (!pair) {
      pair = { timer: setTimeout(() => expire(requestId), PAIR_TIMEOUT_MS) };
      pairs.set(requestId, pair);
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.error, pair.data, stream.headers.port);
    }
  }

  function expire(requestId: string): void {
    const pair = pairs.get(requestId);
    pairs.delete(requestId);
    pair?.error?.reset();
    pair?.data?.reset();
  }

  function forward(errorStream: SpdyStream, dataStream: SpdyStream, portText: string): void {
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errorStream.end(`invalid port "${portText}"`);
      dataStream.reset();
      return;
    }
    const upstream = connect({ host: target.podIP, port });
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      dataStream.pipe(upstream);
      upstream.pipe(dataStream);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        errorStream.end(`error forwarding port ${port} to pod ${target.namespace}/${target.pod}: dial tcp ${target.podIP}:${port}: ${err.message}`);
        dataStream.end();
      } else dataStream.reset();
    });
    upstream.once('close', () => {
      sockets.delete(upstream);
      if (connected) errorStream.end();
    });
    dataStream.once('close', () => upstream.destroy());
  }
}
