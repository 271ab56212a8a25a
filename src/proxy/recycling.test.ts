import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration, recyclingPolicy } from './recycling.js';
import type { Service } from './types.js';

const svc = (annotations: Record<string, string>): Service => ({ metadata: { name: 'web', annotations }, spec: {} });

describe('recycling annotations', () => {
  it('reads both annotations', () => {
    const r = recyclingPolicy(svc({ 'tskube.io/max-requests-per-connection': '100', 'tskube.io/max-connection-age': '1m30s' }), { port: 80 });
    assert.deepEqual(r, { policy: { maxRequests: 100, maxAgeMs: 90_000, http: true }, errors: [] });
  });
  it('age alone on a raw TCP port is raw recycling; on an http port it is HTTP', () => {
    assert.deepEqual(recyclingPolicy(svc({ 'tskube.io/max-connection-age': '30s' }), { port: 5432, name: 'pg' }).policy, { maxAgeMs: 30_000, http: false });
    assert.equal(recyclingPolicy(svc({ 'tskube.io/max-connection-age': '30s' }), { port: 80, name: 'http-web' }).policy?.http, true);
    assert.equal(recyclingPolicy(svc({ 'tskube.io/max-connection-age': '30s' }), { port: 80, appProtocol: 'http' }).policy?.http, true);
  });
  it('no annotations, no policy; UDP is never recycled', () => {
    assert.deepEqual(recyclingPolicy(svc({}), { port: 80 }), { errors: [] });
    assert.equal(recyclingPolicy(svc({ 'tskube.io/max-connection-age': '30s' }), { port: 53, protocol: 'UDP' }).policy, undefined);
  });
  it('names bad values and ignores them', () => {
    const r = recyclingPolicy(svc({ 'tskube.io/max-requests-per-connection': '0', 'tskube.io/max-connection-age': 'soon' }), { port: 80 });
    assert.equal(r.policy, undefined);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0]!, /not a positive integer/);
    assert.match(r.errors[1]!, /not a duration/);
  });
  it('parses Go durations', () => {
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('2h'), 7_200_000);
    assert.equal(parseGoDuration('30'), undefined);
    assert.equal(parseGoDuration('1x'), undefined);
  });
});
