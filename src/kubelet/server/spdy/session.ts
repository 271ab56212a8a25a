/**
 * @module kubelet/server/spdy/session
 *
 * The server end of a SPDY/3 connection as kubectl's client (spdystream) uses it: the client
 * opens every stream (SYN_STREAM with headers such as `streamtype: data`), the server answers
 * each with SYN_REPLY, then both send DATA; FIN half-closes a direction, RST_STREAM ends a stream.
 *
 * Flow control is not enforced in either direction: spdystream neither sends WINDOW_UPDATE nor
 * honours it, so windows would only stall transfers past 64 KiB. PINGs are answered; GOAWAY ends
 * the session.
 */
import { Duplex } from 'node:stream';
import {
  ControlType,
  dataFrame,
  FLAG_FIN,
  FrameReader,
  goAwayFrame,
  parseSynStream,
  pingFrame,
  RstStatus,
  rstStreamFrame,
  SpdyProtocolError,
  streamIdOf,
  synReplyFrame,
  type Frame,
} from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';

/** DATA frames are cut at this size so one big write does not hold the connection for long. */
const MAX_DATA_CHUNK = 32 * 1024;

/** One client-opened stream: readable = the client's DATA, writable = ours. */
export class SpdyStream extends Duplex {
  private finSent = false;
  private remoteClosed = false;

  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly session: SpdySession,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Accepts the stream (SYN_REPLY with no headers); data may follow. */
  reply(): Promise<void> {
    return this.session.enqueue(async () => synReplyFrame(this.id, 0, await this.session.compressor.encode({})));
  }

  /** Aborts the stream with RST_STREAM (CANCEL). */
  reset(): void {
    if (this.finSent && this.remoteClosed) return;
    this.finSent = true;
    void this.session.enqueue(() => rstStreamFrame(this.id, RstStatus.Cancel));
    this.session.forget(this.id);
    this.destroy();
  }

  /** @internal the client sent DATA (possibly with FIN). */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length > 0) this.push(data);
    if (fin) this.remoteEnded();
  }

  /** @internal the client closed its side (FIN) or reset the stream. */
  remoteEnded(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    if (this.finSent) this.session.forget(this.id);
  }

  override _read(): void {
    // Data is pushed as frames arrive; without flow control there is nothing to ask for.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.finSent) return callback(new Error(`SPDY stream ${this.id} is closed`));
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < chunk.length; offset += MAX_DATA_CHUNK) pieces.push(chunk.subarray(offset, offset + MAX_DATA_CHUNK));
    Promise.all(pieces.map((piece) => this.session.enqueue(() => dataFrame(this.id, 0, piece)))).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.finSent) return callback();
    this.finSent = true;
    this.session.enqueue(() => dataFrame(this.id, FLAG_FIN, Buffer.alloc(0))).then(() => {
      if (this.remoteClosed) this.session.forget(this.id);
      callback();
    }, callback);
  }
}

export interface SpdySessionOptions {
  /** Called for each stream the client opens; reply() or reset() it. */
  readonly onStream: (stream: SpdyStream) => void;
  readonly onError?: (err: Error) => void;
}

export class SpdySession {
  /** @internal */
  readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly reader = new FrameReader();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  /** Frames leave in this order; header compression is async, so every write is queued. */
  private outgoing: Promise<unknown> = Promise.resolve();
  /** Incoming frames are handled one at a time, for the same reason. */
  private incoming: Promise<void> = Promise.resolve();
  private closed = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly conn: Duplex,
    private readonly options: SpdySessionOptions,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    conn.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch (err) {
        return this.fail(err as Error);
      }
      for (const frame of frames) this.incoming = this.incoming.then(() => this.handle(frame)).catch((err: Error) => this.fail(err));
    });
    conn.once('close', () => this.close());
    conn.once('end', () => this.close());
    conn.on('error', (err: Error) => this.fail(err));
  }

  /** @internal queues one frame (or a function building it) for writing. */
  enqueue(build: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.outgoing.then(async () => {
      if (this.closed) return;
      const frame = await build();
      if (!this.conn.writableEnded && !this.conn.destroyed) this.conn.write(frame);
    });
    this.outgoing = next.catch(() => undefined);
    return next;
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Sends GOAWAY, resets what is still open and closes the connection. */
  close(): void {
    if (this.closed) return;
    void this.enqueue(() => goAwayFrame(this.lastStreamId, 0));
    void this.outgoing.then(() => {
      this.closed = true;
      for (const stream of this.streams.values()) stream.destroy();
      this.streams.clear();
      this.compressor.close();
      this.decompressor.close();
      this.conn.end();
      this.resolveDone();
    });
  }

  private fail(err: Error): void {
    this.options.onError?.(err);
    this.conn.destroy();
    this.close();
  }

  private async handle(frame: Frame): Promise<void> {
    if (frame.kind === 'data') {
      this.streams.get(frame.streamId)?.receive(frame.data, (frame.flags & FLAG_FIN) !== 0);
      return;
    }
    switch (frame.type) {
      case ControlType.SynStream: {
        const { streamId, headerBlock } = parseSynStream(frame.payload);
        // Decompress even a stream we refuse: the zlib context spans every block.
        const headers = await this.decompressor.decode(headerBlock);
        if (streamId % 2 !== 1 || streamId <= this.lastStreamId) {
          await this.enqueue(() => rstStreamFrame(streamId, RstStatus.ProtocolError));
          return;
        }
        this.lastStreamId = streamId;
        const stream = new SpdyStream(streamId, headers, this);
        this.streams.set(streamId, stream);
        if (frame.flags & FLAG_FIN) stream.remoteEnded();
        this.options.onStream(stream);
        return;
      }
      case ControlType.Headers:
        await this.decompressor.decode(frame.payload.subarray(4));
        if (frame.flags & FLAG_FIN) this.streams.get(streamIdOf(frame.payload))?.remoteEnded();
        return;
      case ControlType.SynReply:
        // The client never accepts server-opened streams here; keep the zlib context in step.
        await this.decompressor.decode(frame.payload.subarray(4));
        return;
      case ControlType.RstStream: {
        const id = streamIdOf(frame.payload);
        const stream = this.streams.get(id);
        this.streams.delete(id);
        stream?.destroy();
        return;
      }
      case ControlType.Ping:
        if (frame.payload.length < 4) throw new SpdyProtocolError('PING frame too short');
        // Odd ids are the client's own pings: echo them.
        if (frame.payload.readUInt32BE(0) % 2 === 1) await this.enqueue(() => pingFrame(frame.payload.readUInt32BE(0)));
        return;
      case ControlType.GoAway:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and anything newer carry nothing this server acts on.
        return;
    }
  }
}
