/**
 * @module kubelet/server/remote-command
 *
 * What exec and attach share (upstream: the kubelet's remotecommand server): the stream flags of
 * the request, the WebSocket upgrade with the channel protocol (channel-protocol.ts), and one
 * session loop. The client's stdin messages go to the session's stdin ([255, 0] ends it, v5);
 * the session's stdout and stderr go out as they come; once both have ended and the session's
 * result is known, that Status goes on the error channel and the socket closes normally. A
 * client that goes away ends the session (exec: kills the command; attach: detaches).
 *
 * No TTY: the runtime has no pseudo-terminals, so `tty` is accepted but the process sees pipes
 * and resize messages are ignored.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../log.js';
import { Channel, EXEC_SUBPROTOCOLS, failureStatus, frame, V5_CHANNEL_PROTOCOL } from './channel-protocol.js';
import { kubeletErrors } from './errors.js';

/** Stop reading the session's output while this much is queued towards a slow client. */
const HIGH_WATER_BYTES = 1024 * 1024;

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => EXEC_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
});

/** The streams a request asks for (query flags `stdin`, `stdout`, `stderr`, `tty`). */
export interface StreamFlags {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** One exec or attach, as the session loop drives it. */
export interface StreamingSession {
  /** Absent when the process has no stdin to give (attach to a container without stdin). */
  readonly stdin?: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /** The error channel's Status JSON, once the outputs have ended. */
  result(): Promise<string>;
  /** The client went away first. */
  abandon(): void;
}

/** Reads the stream flags; upstream's 400 when none of stdin, stdout, stderr is asked for. */
export function streamFlags(query: URLSearchParams): StreamFlags {
  const flags = { stdin: flag(query, 'stdin'), stdout: flag(query, 'stdout'), stderr: flag(query, 'stderr'), tty: flag(query, 'tty') };
  if (!flags.stdin && !flags.stdout && !flags.stderr) throw kubeletErrors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return flags;
}

/**
 * Checks that the request is a WebSocket upgrade offering a channel protocol (throws a
 * KubeletApiError, answered as a Status), then upgrades it and runs the session `start` gives.
 * If `start` throws, its message goes on the error channel after `failurePrefix`.
 */
export function upgradeRemoteCommand(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  what: 'exec' | 'attach',
  flags: StreamFlags,
  start: () => StreamingSession,
  failurePrefix: string,
  log: Logger,
): void {
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw kubeletErrors.badRequest(`${what} needs a WebSocket upgrade (${EXEC_SUBPROTOCOLS.join(' or ')}); SPDY is not supported`);
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.some((p) => (EXEC_SUBPROTOCOLS as readonly string[]).includes(p))) {
    throw kubeletErrors.badRequest(
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${EXEC_SUBPROTOCOLS.join(' ')}]`,
    );
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    let session: StreamingSession;
    try {
      session = start();
    } catch (err) {
      ws.send(frame(Channel.Error, failureStatus(`${failurePrefix}: ${(err as Error).message}`)));
      ws.close(1000);
      return;
    }
    runSession(ws, session, flags, failurePrefix, log);
  });
}

function runSession(ws: WebSocket, session: StreamingSession, flags: StreamFlags, failurePrefix: string, log: Logger): void {
  const v5 = ws.protocol === V5_CHANNEL_PROTOCOL;
  const stdin = session.stdin;
  let finished = false;
  if (stdin) {
    (stdin as NodeJS.WritableStream & { on(e: 'error', l: (err: Error) => void): unknown }).on('error', () => {
      // The process may exit without reading its stdin (EPIPE): nothing to tell the client.
    });
    if (!flags.stdin) stdin.end();
  }

  ws.on('message', (data: RawData) => {
    const message = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (message.length === 0 || !stdin || !flags.stdin) return;
    const channel = message[0];
    if (channel === Channel.Stdin) {
      if (message.length > 1) stdin.write(message.subarray(1));
    } else if (channel === Channel.Close && v5 && message[1] === Channel.Stdin) {
      stdin.end();
    }
    // Resize (4) needs a TTY, which this runtime does not allocate.
  });
  ws.once('close', () => {
    if (!finished) session.abandon();
  });

  const pump = (source: NodeJS.ReadableStream, channel: number, wanted: boolean) =>
    new Promise<void>((resolve, reject) => {
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
      source.once('error', reject);
      source.once('close', resolve);
    });

  void Promise.all([pump(session.stdout, Channel.Stdout, flags.stdout), pump(session.stderr, Channel.Stderr, flags.stderr)])
    .then(() => session.result())
    .then((status) => {
      finished = true;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frame(Channel.Error, status));
      ws.close(1000);
    })
    .catch((err: Error) => {
      finished = true;
      session.abandon();
      log.warn({ err }, 'stream session failed');
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frame(Channel.Error, failureStatus(`${failurePrefix}: ${err.message}`)));
      ws.close(1000);
    });
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}
