/**
 * @module kubelet/runtime/process/log-reader
 *
 * Reads a container's CRI log file the way the kubelet serves `kubectl logs`: --tail counts
 * records from the end of the live file (rotated files are not read, as upstream), --since-time
 * then drops older records, --timestamps prefixes each record with its time, --limit-bytes cuts
 * the output, and --follow keeps streaming from the writer until the container's output ends or
 * the caller's signal aborts.
 */
import { closeSync, openSync, read as readCallback, fstatSync } from 'node:fs';
import { promisify } from 'node:util';
import type { LogOptions } from '../interface.js';
import { parseRecord, parseTimeMs, renderRecord, type LogRecord } from './cri-log.js';
import type { ContainerLogWriter, LogFollower } from './log-writer.js';

const read = promisify(readCallback);
const CHUNK = 64 * 1024;
/** A follower that falls this far behind a chatty container is cut off rather than buffering without bound. */
const MAX_FOLLOW_BACKLOG_BYTES = 16 * 1024 * 1024;

export class LogFollowerOverflowError extends Error {
  override readonly name = 'LogFollowerOverflowError';
}

/**
 * The log at `path` (and, to follow, the writer still filling it), as kubectl shows it. A
 * missing file yields nothing.
 */
export async function* readContainerLog(
  path: string,
  writer: ContainerLogWriter | undefined,
  options: LogOptions,
): AsyncGenerator<Buffer> {
  const output = new OutputFilter(options);
  const live = options.follow && writer && !writer.isEnded ? new LiveQueue() : undefined;
  let fd: number;
  let size: number;
  let unsubscribe = () => {};
  if (live && writer) {
    const snap = writer.snapshot(live);
    ({ fd, size, unsubscribe } = snap);
  } else {
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    size = fstatSync(fd).size;
  }
  try {
    const tail = options.tailLines !== undefined && options.tailLines >= 0 ? options.tailLines : undefined;
    const kept: LogRecord[] = [];
    for await (const record of fileRecords(fd, size, options.signal)) {
      if (tail === undefined) {
        const out = output.render(record);
        if (out) yield out;
        if (output.full) return;
      } else if (tail > 0) {
        kept.push(record);
        if (kept.length > tail) kept.shift();
      }
    }
    for (const record of kept) {
      const out = output.render(record);
      if (out) yield out;
      if (output.full) return;
    }
    if (!live) return;
    for (;;) {
      const record = await live.next(options.signal);
      if (!record) return;
      const out = output.render(record);
      if (out) yield out;
      if (output.full) return;
    }
  } finally {
    unsubscribe();
    closeSync(fd);
  }
}

/** Records of the first `size` bytes of a log file, oldest first; malformed lines are skipped. */
async function* fileRecords(fd: number, size: number, signal: AbortSignal | undefined): AsyncGenerator<LogRecord> {
  let position = 0;
  let carry = Buffer.alloc(0);
  while (position < size) {
    if (signal?.aborted) return;
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - position));
    const { bytesRead } = await read(fd, buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let data = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
      const record = parseRecord(data.subarray(0, nl));
      if (record) yield record;
      data = data.subarray(nl + 1);
    }
    carry = Buffer.from(data);
  }
}

/** since, timestamps and limitBytes, applied to records in order. */
class OutputFilter {
  private readonly sinceMs: number | undefined;
  private remaining: number;

  constructor(private readonly options: LogOptions) {
    this.sinceMs = options.since?.getTime();
    this.remaining = options.limitBytes !== undefined && options.limitBytes > 0 ? options.limitBytes : Infinity;
  }

  get full(): boolean {
    return this.remaining <= 0;
  }

  render(record: LogRecord): Buffer | undefined {
    if (this.remaining <= 0) return undefined;
    // Records compare at millisecond precision: `since` is a Date.
    if (this.sinceMs !== undefined && Math.floor(parseTimeMs(record.time)) < this.sinceMs) return undefined;
    let out = renderRecord(record, this.options.timestamps ?? false);
    if (out.length > this.remaining) out = out.subarray(0, this.remaining);
    this.remaining -= out.length;
    return out;
  }
}

/** Records pushed by the writer, waiting for a slow async consumer. */
class LiveQueue implements LogFollower {
  private readonly queue: LogRecord[] = [];
  private queuedBytes = 0;
  private ended = false;
  private overflowed = false;
  private wake: (() => void) | undefined;

  record(record: LogRecord): void {
    if (this.ended) return;
    this.queue.push(record);
    this.queuedBytes += record.content.length;
    if (this.queuedBytes > MAX_FOLLOW_BACKLOG_BYTES) {
      this.overflowed = true;
      this.ended = true;
    }
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The next record; undefined once the log ended (or the signal aborted) and the queue is empty. */
  async next(signal: AbortSignal | undefined): Promise<LogRecord | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      const record = this.queue.shift();
      if (record) {
        this.queuedBytes -= record.content.length;
        return record;
      }
      if (this.overflowed) throw new LogFollowerOverflowError('log follower fell too far behind the container');
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private notify(): void {
    this.wake?.();
  }
}
