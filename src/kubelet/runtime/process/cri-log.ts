/**
 * @module kubelet/runtime/process/cri-log
 *
 * The CRI container log format every upstream runtime writes and the kubelet reads:
 *
 *     2024-05-01T10:00:00.123456789Z stdout F hello world
 *
 * one record per line: an RFC3339Nano time, the stream, a tag (F = this record ends a line,
 * P = a partial line continued by the next record) and the content without its newline.
 */

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  /** RFC3339Nano, as written in the file and shown by `kubectl logs --timestamps`. */
  readonly time: string;
  readonly stream: LogStream;
  /** False for a 'P' record: the line continues in the next record. */
  readonly full: boolean;
  readonly content: Buffer;
}

/**
 * Now as RFC3339Nano in UTC with trailing zeros of the fraction dropped (Go's time.RFC3339Nano).
 * performance.now() has microsecond resolution: the last three digits are always zero.
 */
export function nowRfc3339Nano(): string {
  const epochMs = performance.timeOrigin + performance.now();
  const wholeMs = Math.floor(epochMs);
  const micros = Math.floor((epochMs - wholeMs) * 1000);
  const iso = new Date(wholeMs).toISOString(); // 2024-05-01T10:00:00.123Z
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

/** Milliseconds since the epoch of an RFC3339(Nano) time; NaN when it is not one. */
export function parseTimeMs(time: string): number {
  // Date.parse understands at most milliseconds: cut the fraction to 3 digits first.
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!match) return NaN;
  const fraction = (match[2] ?? '').slice(0, 3).padEnd(3, '0');
  return Date.parse(`${match[1]}.${fraction}${match[3]}`);
}

export function formatRecord(record: LogRecord): Buffer {
  return Buffer.concat([
    Buffer.from(`${record.time} ${record.stream} ${record.full ? 'F' : 'P'} `),
    record.content,
    NEWLINE,
  ]);
}

/** Parses one line of a log file (without its newline); undefined when it is not a CRI record. */
export function parseRecord(line: Buffer): LogRecord | undefined {
  const first = line.indexOf(0x20);
  const second = first < 0 ? -1 : line.indexOf(0x20, first + 1);
  if (second < 0) return undefined;
  const stream = line.subarray(first + 1, second).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line.subarray(second + 1, second + 2).toString('latin1');
  // The tag may be followed by a space and content, or end the line (empty content).
  if ((tag !== 'F' && tag !== 'P') || (line.length > second + 2 && line[second + 2] !== 0x20)) return undefined;
  return {
    time: line.subarray(0, first).toString('latin1'),
    stream,
    full: tag === 'F',
    content: line.subarray(Math.min(line.length, second + 3)),
  };
}

/** How kubectl shows a record: content, a newline unless partial, the time first if asked. */
export function renderRecord(record: LogRecord, timestamps: boolean): Buffer {
  const parts: Buffer[] = [];
  if (timestamps) parts.push(Buffer.from(`${record.time} `));
  parts.push(record.content);
  if (record.full) parts.push(NEWLINE);
  return parts.length === 1 ? record.content : Buffer.concat(parts);
}

const NEWLINE = Buffer.from('\n');
