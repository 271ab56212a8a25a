/**
 * @module kubelet/runtime/process/log-writer
 *
 * Turns a container's stdout and stderr into its CRI log file, rotating it by size (upstream's
 * containerLogMaxSize 10Mi and containerLogMaxFiles 5: the live file plus 4 rotated ones, named
 * `<n>.log.<UTC stamp>`; upstream also gzips old ones, tskube keeps them plain).
 *
 * Writes are synchronous on purpose: once a record is announced to followers it is in the file,
 * so a reader that opens the file and subscribes in the same tick (snapshot()) sees every record
 * exactly once, with no gap and no duplicate. Records are small and go to the page cache.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { formatRecord, nowRfc3339Nano, type LogRecord, type LogStream } from './cri-log.js';

export const DEFAULT_LOG_MAX_SIZE = 10 * 1024 * 1024;
export const DEFAULT_LOG_MAX_FILES = 5;
/** Longer lines are cut into 'P' records of this size (containerd's limit). */
export const MAX_RECORD_CONTENT = 16 * 1024;

export interface LogFollower {
  record(record: LogRecord): void;
  end(): void;
}

export interface LogSnapshot {
  /** An open descriptor of the live file: stays valid if the file is rotated meanwhile. */
  readonly fd: number;
  /** The file's size when the follower was registered: later records reach the follower. */
  readonly size: number;
  unsubscribe(): void;
}

export interface LogWriterOptions {
  readonly path: string;
  readonly maxSize?: number;
  readonly maxFiles?: number;
}

export class ContainerLogWriter {
  private fd: number;
  private size: number;
  private readonly maxSize: number;
  private readonly maxFiles: number;
  private readonly followers = new Set<LogFollower>();
  private readonly pending = new Map<LogStream, Buffer>();
  private openStreams = 0;
  private drained!: () => void;
  private readonly allDrained = new Promise<void>((resolve) => (this.drained = resolve));
  private ended = false;

  constructor(private readonly options: LogWriterOptions) {
    this.maxSize = options.maxSize ?? DEFAULT_LOG_MAX_SIZE;
    this.maxFiles = Math.max(1, options.maxFiles ?? DEFAULT_LOG_MAX_FILES);
    mkdirSync(dirname(options.path), { recursive: true });
    this.fd = openSync(options.path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  get path(): string {
    return this.options.path;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Copies a stream's lines into the log until it ends. */
  attach(stream: Readable, name: LogStream): void {
    this.openStreams++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.flushPartial(name);
      if (--this.openStreams === 0) this.drained();
    };
    stream.on('data', (chunk: Buffer) => this.write(name, chunk));
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  }

  /** Writes text as if the container printed it (used for runtime messages such as start errors). */
  write(stream: LogStream, chunk: Buffer): void {
    if (this.ended) return;
    const held = this.pending.get(stream);
    let data = held ? Buffer.concat([held, chunk]) : chunk;
    const records: LogRecord[] = [];
    const time = nowRfc3339Nano();
    for (;;) {
      const newline = data.indexOf(0x0a);
      if (newline < 0 || newline > MAX_RECORD_CONTENT) {
        if (data.length < MAX_RECORD_CONTENT) break;
        records.push({ time, stream, full: false, content: data.subarray(0, MAX_RECORD_CONTENT) });
        data = data.subarray(MAX_RECORD_CONTENT);
        continue;
      }
      records.push({ time, stream, full: true, content: data.subarray(0, newline) });
      data = data.subarray(newline + 1);
    }
    if (data.length > 0) this.pending.set(stream, Buffer.from(data));
    else this.pending.delete(stream);
    this.append(records);
  }

  /**
   * Waits until every attached stream ended (the container and whatever inherited its stdout are
   * gone), at most `timeoutMs`, then writes held partial lines and closes the file. Followers end.
   */
  async finish(timeoutMs: number): Promise<void> {
    if (this.ended) return;
    if (this.openStreams > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.allDrained, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.close();
  }

  /** Closes at once (agent shutdown); held partial lines are written first. */
  close(): void {
    if (this.ended) return;
    for (const stream of [...this.pending.keys()]) this.flushPartial(stream);
    this.ended = true;
    closeSync(this.fd);
    for (const f of this.followers) f.end();
    this.followers.clear();
  }

  /** Registers a follower and returns the file as it is now (see the module comment). */
  snapshot(follower: LogFollower): LogSnapshot {
    if (this.ended) throw new Error('log writer closed');
    const fd = openSync(this.options.path, 'r');
    const size = fstatSync(fd).size;
    this.followers.add(follower);
    return { fd, size, unsubscribe: () => this.followers.delete(follower) };
  }

  private flushPartial(stream: LogStream): void {
    const held = this.pending.get(stream);
    if (!held) return;
    this.pending.delete(stream);
    // Upstream ends a stream's last unterminated line as a full record.
    this.append([{ time: nowRfc3339Nano(), stream, full: true, content: held }]);
  }

  private append(records: LogRecord[]): void {
    if (records.length === 0 || this.ended) return;
    const bytes = Buffer.concat(records.map(formatRecord));
    if (this.size > 0 && this.size + bytes.length > this.maxSize) this.rotate();
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset);
    this.size += bytes.length;
    for (const f of this.followers) for (const r of records) f.record(r);
  }

  private rotate(): void {
    closeSync(this.fd);
    const path = this.options.path;
    if (this.maxFiles > 1) {
      renameSync(path, `${path}.${rotationStamp()}`);
      this.prune();
    } else {
      unlinkSync(path);
    }
    this.fd = openSync(path, 'a', 0o640);
    this.size = 0;
  }

  /** Keeps the newest maxFiles - 1 rotated files. */
  private prune(): void {
    const dir = dirname(this.options.path);
    const prefix = `${basename(this.options.path)}.`;
    const rotated = readdirSync(dir)
      .filter((f) => f.startsWith(prefix))
      .sort();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - (this.maxFiles - 1)))) {
      try {
        unlinkSync(join(dir, old));
      } catch {
        // Removed by someone else: nothing to do.
      }
    }
  }
}

let lastStamp = '';
let stampSequence = 0;

/** 20240501-100000.123, made unique within this process so two rotations never collide. */
function rotationStamp(): string {
  const iso = new Date().toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}.${iso.slice(20, 23)}`;
  if (stamp === lastStamp) return `${stamp}-${String(++stampSequence).padStart(4, '0')}`;
  lastStamp = stamp;
  stampSequence = 0;
  return stamp;
}
