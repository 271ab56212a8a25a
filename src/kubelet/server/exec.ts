/**
 * @module kubelet/server/exec
 *
 * GET /exec/{namespace}/{pod}/{container}?command=..&command=..&stdin&stdout&stderr&tty as a
 * WebSocket speaking the channel protocol (channel-protocol.ts). The command runs through the
 * runtime's execStream; its stdout and stderr are sent as they come, and once both have ended
 * and the process exited, the exit status goes on the error channel and the socket closes
 * normally. A client that goes away kills the command.
 *
 * No TTY: the runtime has no pseudo-terminals, so `tty` is accepted but the command sees pipes
 * and resize messages are ignored.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../log.js';
import type { ExecSession } from '../runtime/interface.js';
import { Channel, EXEC_SUBPROTOCOLS, exitStatus, failureStatus, frame, V5_CHANNEL_PROTOCOL } from './channel-protocol.js';
import { kubeletErrors } from './errors.js';
import type { KubeletPodLookup } from './lookup.js';

/** Stop reading the command's output while this much is queued towards a slow client. */
const HIGH_WATER_BYTES = 1024 * 1024;

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => EXEC_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
});

export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** Validates the request and upgrades it; throws a KubeletApiError (answered as a Status) first. */
export function upgradeExec(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: ExecRequest,
  query: URLSearchParams,
  lookup: KubeletPodLookup,
  log: Logger,
): void {
  const command = query.getAll('command');
  if (command.length === 0) throw kubeletErrors.badRequest('you must specify at least one command for the container');
  const streams = { stdin: flag(query, 'stdin'), stdout: flag(query, 'stdout'), stderr: flag(query, 'stderr') };
  if (!streams.stdin && !streams.stdout && !streams.stderr) {
    throw kubeletErrors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  }
  // The container first: kubectl reports the error of its last attempt (the SPDY fallback).
  const handle = lookup.findContainer(target.namespace, target.pod, target.container, { previous: false });
  if (!handle) throw kubeletErrors.notFound(`container not found ("${target.container}")`);
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw kubeletErrors.badRequest(`exec needs a WebSocket upgrade (${EXEC_SUBPROTOCOLS.join(' or ')}); SPDY is not supported`);
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.some((p) => (EXEC_SUBPROTOCOLS as readonly string[]).includes(p))) {
    throw kubeletErrors.badRequest(
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${EXEC_SUBPROTOCOLS.join(' ')}]`,
    );
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    let session: ExecSession;
    try {
      session = handle.runtime.execStream(handle.containerId, command);
    } catch (err) {
      ws.send(frame(Channel.Error, failureStatus(`error executing command in container: ${(err as Error).message}`)));
      ws.close(1000);
      return;
    }
    runSession(ws, session, command, streams, log);
  });
}

function runSession(ws: WebSocket, session: ExecSession, command: readonly string[], streams: { stdin: boolean; stdout: boolean; stderr: boolean }, log: Logger): void {
  const v5 = ws.protocol === V5_CHANNEL_PROTOCOL;
  let finished = false;
  if (!streams.stdin) session.stdin.end();
  (session.stdin as NodeJS.WritableStream & { on(e: 'error', l: (err: Error) => void): unknown }).on('error', () => {
    // The command may exit without reading its stdin (EPIPE): nothing to tell the client.
  });

  ws.on('message', (data: RawData) => {
    const message = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (message.length === 0) return;
    const channel = message[0];
    if (channel === Channel.Stdin && streams.stdin) {
      if (message.length > 1) session.stdin.write(message.subarray(1));
    } else if (channel === Channel.Close && v5 && message[1] === Channel.Stdin) {
      session.stdin.end();
    }
    // Resize (4) needs a TTY, which this runtime does not allocate.
  });
  ws.once('close', () => {
    if (!finished) session.kill();
  });

  const pump = (source: NodeJS.ReadableStream, channel: number, wanted: boolean) =>
    new Promise<void>((resolve) => {
      source.on('data', (chunk: Buffer) => {
        if (!wanted || ws.readyState !== ws.OPEN) return;
        ws.send(frame(channel, chunk));
        if (ws.bufferedAmount > HIGH_WATER_BYTES) {
          source.pause();
          const wait = setInterval(() => {
            if (ws.bufferedAmount <= HIGH_WATER_BYTES || ws.readyState !== ws.OPEN) {
              clearInterval(wait);
              source.resume();
            }
          }, 10);
        }
      });
      source.once('end', resolve);
      source.once('error', () => resolve());
      source.once('close', resolve);
    });

  void Promise.all([pump(session.stdout, Channel.Stdout, streams.stdout), pump(session.stderr, Channel.Stderr, streams.stderr), session.exited])
    .then(([, , exitCode]) => {
      finished = true;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frame(Channel.Error, exitStatus(exitCode, command)));
      ws.close(1000);
    })
    .catch((err: Error) => {
      finished = true;
      log.warn({ err, command }, 'exec session failed');
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frame(Channel.Error, failureStatus(`error executing command in container: ${err.message}`)));
      ws.close(1000);
    });
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}
