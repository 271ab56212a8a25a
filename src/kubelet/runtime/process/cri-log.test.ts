import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRecord, nowRfc3339Nano, parseRecord, parseTimeMs, renderRecord } from './cri-log.js';

describe('CRI log records', () => {
  it('round-trips a record through the file format', () => {
    const record = { time: '2024-05-01T10:00:00.123456Z', stream: 'stderr' as const, full: false, content: Buffer.from('a b  c') };
    const line = formatRecord(record);
    assert.equal(line.toString(), '2024-05-01T10:00:00.123456Z stderr P a b  c\n');
    assert.deepEqual(parseRecord(line.subarray(0, -1)), record);
  });

  it('parses an empty line and rejects what is not a record', () => {
    assert.deepEqual(parseRecord(Buffer.from('2024-05-01T10:00:00Z stdout F'))?.content, Buffer.alloc(0));
    assert.equal(parseRecord(Buffer.from('garbage')), undefined);
    assert.equal(parseRecord(Buffer.from('2024-05-01T10:00:00Z stdin F x')), undefined);
    assert.equal(parseRecord(Buffer.from('2024-05-01T10:00:00Z stdout X x')), undefined);
  });

  it('renders as kubectl shows it: newline only after a full line, time only when asked', () => {
    const full = { time: '2024-05-01T10:00:00.5Z', stream: 'stdout' as const, full: true, content: Buffer.from('hi') };
    assert.equal(renderRecord(full, false).toString(), 'hi\n');
    assert.equal(renderRecord(full, true).toString(), '2024-05-01T10:00:00.5Z hi\n');
    assert.equal(renderRecord({ ...full, full: false }, false).toString(), 'hi');
  });

  it('writes RFC3339Nano times without trailing zeros and reads them back to the millisecond', () => {
    const now = nowRfc3339Nano();
    assert.match(now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
    assert.ok(Math.abs(parseTimeMs(now) - Date.now()) < 60_000);
    assert.equal(parseTimeMs('2024-05-01T10:00:00.123456789Z'), Date.parse('2024-05-01T10:00:00.123Z'));
    assert.equal(parseTimeMs('2024-05-01T10:00:00Z'), Date.parse('2024-05-01T10:00:00Z'));
    assert.ok(Number.isNaN(parseTimeMs('yesterday')));
  });
});
