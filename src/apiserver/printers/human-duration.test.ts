import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    // Go truncates toward zero, so anything above -2 s counts as clock skew.
    [-1999, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [1 * S, '1s'],
    [119 * S, '119s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [2 * M + 1 * S, '2m1s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 59 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 1 * M, '3h1m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [8 * H + 59 * M, '8h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [49 * H, '2d1h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 23 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [731 * D, '2y1d'],
    [2919 * D, '7y364d'],
    [2920 * D, '8y'],
    [2921 * D, '8y'],
    [3650 * D, '10y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms} ms → ${want}`, () => {
      assert.equal(humanDuration(ms), want);
    });
  }
});

describe('translateTimestampSince', () => {
  const now = Date.parse('2024-06-01T12:00:00Z');

  it('prints <unknown> for a missing, empty, unparsable or Go-zero timestamp', () => {
    assert.equal(translateTimestampSince(undefined, now), '<unknown>');
    assert.equal(translateTimestampSince(null, now), '<unknown>');
    assert.equal(translateTimestampSince('', now), '<unknown>');
    assert.equal(translateTimestampSince('not a time', now), '<unknown>');
    assert.equal(translateTimestampSince('0001-01-01T00:00:00Z', now), '<unknown>');
  });

  it('measures against the injected now, as a number or a Date', () => {
    assert.equal(translateTimestampSince('2024-06-01T11:55:00Z', now), '5m');
    assert.equal(translateTimestampSince('2024-06-01T11:55:00Z', new Date(now)), '5m');
  });

  it('reads MicroTime strings with six fractional digits', () => {
    assert.equal(parseTimestamp('2024-06-01T11:59:30.123456Z'), Date.parse('2024-06-01T11:59:30.123Z'));
    assert.equal(translateTimestampSince('2024-06-01T11:59:30.123456Z', now), '29s');
  });

  it('prints <invalid> for timestamps well in the future', () => {
    assert.equal(translateTimestampSince('2024-06-01T12:00:05Z', now), '<invalid>');
  });
});
