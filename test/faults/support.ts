/**
 * @module test/faults/support
 *
 * Small servers and clients for the fault lab's tests: an echo server, a TCP client that records
 * everything that happens to it (data, end, error, close) so a test can assert that *nothing*
 * happened, and a bounded wait.
 */
import net from 'node:net';

export interface EchoServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

/** Echoes every byte back, on 127.0.0.1 (or `host`). */
export async function startEchoServer(host = '127.0.0.1'): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface RecordingClient {
  readonly socket: net.Socket;
  /** Everything received, as text. */
  received(): string;
  /** Every event other than data, in order: `connect`, `end`, `error:ECONNRESET`, `close`. */
  readonly events: string[];
  /** Resolves when `received()` contains `text`; rejects after `timeoutMs`. */
  waitForData(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the first event matching `pattern`; rejects after `timeoutMs`. */
  waitForEvent(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function connectRecording(port: number, host = '127.0.0.1'): Promise<RecordingClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let data = '';
    const events: string[] = [];
    const client: RecordingClient = {
      socket,
      received: () => data,
      events,
      waitForData: (text, timeoutMs = 5000) => waitUntil(() => data.includes(text), timeoutMs, `data ${JSON.stringify(text)} (got ${JSON.stringify(data)}, events ${events.join(',')})`),
      async waitForEvent(pattern, timeoutMs = 5000) {
        await waitUntil(() => events.some((e) => pattern.test(e)), timeoutMs, `event ${pattern} (got ${events.join(',')})`);
        return events.find((e) => pattern.test(e))!;
      },
    };
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('end', () => events.push('end'));
    socket.on('close', () => events.push('close'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      events.push(`error:${err.code ?? err.message}`);
      reject(err);
    });
    socket.once('connect', () => {
      events.push('connect');
      resolve(client);
    });
  });
}

/** Resolves once `check()` is true; rejects after `timeoutMs` saying what it waited for. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Connects and resolves with the error code the attempt fails with (or 'connected'). */
export function connectOutcome(port: number, host = '127.0.0.1', timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    let connected = false;
    function finish(outcome: string) {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    }
    socket.on('connect', () => {
      connected = true;
      socket.write('x');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.on('end', () => finish(connected ? 'connected-then-end' : 'end'));
    socket.on('data', () => finish('connected'));
  });
}
