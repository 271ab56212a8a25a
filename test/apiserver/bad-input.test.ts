/**
 * Bad input never corrupts or loses stored data: malformed bodies, wrong kinds and apiVersions,
 * invalid names, oversized objects, bad selectors, bad patches and wrong resourceVersions each get
 * a Status with a 4xx code, and a full dump of storage is byte-for-byte the same afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KV } from '../../src/storage/interface.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';
import { RawClient } from '../support/raw-client.js';

let cluster: TestCluster;
let client: RawClient;
let configMapRv: string;
let configMapUid: string;

before(async () => {
  cluster = await startTestCluster();
  client = new RawClient(cluster.api.url, cluster.dataDir);
  const created = await client.request(
    'POST',
    '/api/v1/namespaces/default/configmaps',
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', labels: { a: 'b' } }, data: { k: 'v' } }),
  );
  assert.equal(created.status, 201, created.body);
  const obj = JSON.parse(created.body) as { metadata: { resourceVersion: string; uid: string } };
  configMapRv = obj.metadata.resourceVersion;
  configMapUid = obj.metadata.uid;
});
after(async () => {
  client?.close();
  await cluster?.close();
});

/** Every key and value in storage, as one comparable string. */
async function dump(kv: KV): Promise<string> {
  const { kvs } = await kv.list('/');
  return kvs.map((e) => `${e.key} ${e.modRevision} ${Buffer.from(e.value).toString('base64')}`).join('\n');
}

const CM = '/api/v1/namespaces/default/configmaps';
const json = (v: unknown) => JSON.stringify(v);
const cm = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = { name: 'new' }) =>
  json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, ...extra });

type Case = [name: string, method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string>, code: number];

const cases = (): Case[] => [
  ['invalid JSON', 'POST', CM, '{"metadata":', {}, 400],
  ['a JSON array', 'POST', CM, '[]', {}, 400],
  ['a JSON string', 'POST', CM, '"configmap"', {}, 400],
  ['an empty body', 'POST', CM, '', {}, 400],
  ['invalid YAML', 'POST', CM, 'metadata: [unclosed', { 'content-type': 'application/yaml' }, 400],
  ['an unknown media type', 'POST', CM, '<xml/>', { 'content-type': 'application/xml' }, 415],
  ['garbage protobuf', 'POST', CM, Buffer.from('k8s\x00garbage'), { 'content-type': 'application/vnd.kubernetes.protobuf' }, 400],
  ['the wrong kind', 'POST', CM, json({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), {}, 400],
  ['the wrong apiVersion', 'POST', CM, json({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }), {}, 400],
  ['an invalid name', 'POST', CM, cm({}, { name: 'Bad_Name' }), {}, 422],
  ['a name of 300 characters', 'POST', CM, cm({}, { name: 'a'.repeat(300) }), {}, 422],
  ['no name', 'POST', CM, cm({}, {}), {}, 422],
  ['an invalid label key', 'POST', CM, cm({}, { name: 'x', labels: { 'a b': 'c' } }), {}, 422],
  ['metadata that is not an object', 'POST', CM, json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: 'x' }), {}, 400],
  ['a mismatched namespace', 'POST', CM, cm({}, { name: 'x', namespace: 'other' }), {}, 400],
  ['a missing namespace', 'POST', '/api/v1/namespaces/nowhere/configmaps', cm(), {}, 404],
  ['a body over 3 MiB', 'POST', CM, cm({ data: { big: 'x'.repeat(3.2 * 1024 * 1024) } }), {}, 413],
  ['an object over the storage limit', 'POST', CM, cm({ data: { big: 'x'.repeat(2 * 1024 * 1024) } }), {}, 413],
  ['an unknown field with Strict', 'POST', `${CM}?fieldValidation=Strict`, cm({ datta: {} }), {}, 400],
  ['a bad fieldValidation', 'POST', `${CM}?fieldValidation=Maybe`, cm(), {}, 400],
  ['a bad dryRun', 'POST', `${CM}?dryRun=Some`, cm(), {}, 400],
  ['a bad label selector', 'GET', `${CM}?labelSelector=${encodeURIComponent('a in (')}`, undefined, {}, 400],
  ['a bad field selector', 'GET', `${CM}?fieldSelector=${encodeURIComponent('spec.nope=1')}`, undefined, {}, 400],
  ['a negative limit', 'GET', `${CM}?limit=-1`, undefined, {}, 400],
  ['a bad resourceVersion', 'GET', `${CM}?resourceVersion=abc`, undefined, {}, 400],
  ['a bad resourceVersionMatch', 'GET', `${CM}?resourceVersionMatch=Sometimes`, undefined, {}, 400],
  ['a garbage continue token', 'GET', `${CM}?limit=1&continue=garbage`, undefined, {}, 400],
  ['an unknown resource', 'GET', '/api/v1/namespaces/default/widgets', undefined, {}, 404],
  ['an unknown group', 'GET', '/apis/example.com/v1/widgets', undefined, {}, 404],
  ['a stale resourceVersion on PUT', 'PUT', `${CM}/keep`, () => cm({ data: { k: 'changed' } }, { name: 'keep', resourceVersion: '1' }), {}, 409],
  ['a name mismatch on PUT', 'PUT', `${CM}/keep`, cm({}, { name: 'other' }), {}, 400],
  ['PUT of a missing object', 'PUT', `${CM}/missing`, cm({}, { name: 'missing' }), {}, 404],
  ['a failing JSON patch test', 'PATCH', `${CM}/keep`, json([{ op: 'test', path: '/data/k', value: 'nope' }, { op: 'remove', path: '/data' }]), { 'content-type': 'application/json-patch+json' }, 422],
  ['a JSON patch that is not a list', 'PATCH', `${CM}/keep`, json({ op: 'add' }), { 'content-type': 'application/json-patch+json' }, 400],
  ['a merge patch that is a list', 'PATCH', `${CM}/keep`, '[1]', { 'content-type': 'application/merge-patch+json' }, 400],
  ['a bad $patch directive', 'PATCH', `${CM}/keep`, json({ metadata: { $patch: 'bogus' } }), { 'content-type': 'application/strategic-merge-patch+json' }, 400],
  ['a patch that renames', 'PATCH', `${CM}/keep`, json({ metadata: { name: 'renamed' } }), { 'content-type': 'application/merge-patch+json' }, 400],
  ['a patch with a stale resourceVersion', 'PATCH', `${CM}/keep`, json({ metadata: { resourceVersion: '1' }, data: { k: 'x' } }), { 'content-type': 'application/merge-patch+json' }, 409],
  ['a patch with an unsupported type', 'PATCH', `${CM}/keep`, '{}', { 'content-type': 'text/plain' }, 415],
  ['a patch making the object invalid', 'PATCH', `${CM}/keep`, json({ metadata: { labels: { 'bad key!': 'x' } } }), { 'content-type': 'application/merge-patch+json' }, 422],
  ['a delete with a wrong uid precondition', 'DELETE', `${CM}/keep`, () => json({ preconditions: { uid: 'not-' + configMapUid } }), {}, 409],
  ['a delete with a wrong resourceVersion precondition', 'DELETE', `${CM}/keep`, () => json({ preconditions: { resourceVersion: String(Number(configMapRv) - 1) } }), {}, 409],
  ['a bad propagationPolicy', 'DELETE', `${CM}/keep?propagationPolicy=Sideways`, undefined, {}, 400],
  ['a negative grace period', 'DELETE', `${CM}/keep?gracePeriodSeconds=-5`, undefined, {}, 400],
  ['a delete of a missing object', 'DELETE', `${CM}/missing`, undefined, {}, 404],
].map(([name, method, path, body, headers, code]) => [
  name as string,
  method as string,
  path as string,
  typeof body === 'function' ? (body as () => string)() : (body as string | Buffer | undefined),
  headers as Record<string, string>,
  code as number,
]);

describe('bad input gets a 4xx Status and changes nothing', () => {
  it('answers every malformed request with a Status and leaves storage byte-for-byte unchanged', async () => {
    const before = await dump(cluster.kv);
    const failures: string[] = [];
    for (const [name, method, path, body, headers, code] of cases()) {
      const res = await client.request(method, path, body, headers);
      let status: { kind?: string; code?: number; status?: string; message?: string } = {};
      try {
        status = JSON.parse(res.body) as typeof status;
      } catch {
        failures.push(`${name}: body is not JSON: ${res.body.slice(0, 100)}`);
        continue;
      }
      if (res.status !== code || status.kind !== 'Status' || status.code !== code || status.status !== 'Failure' || !status.message) {
        failures.push(`${name}: expected a ${code} Status, got HTTP ${res.status} ${res.body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await dump(cluster.kv), before, 'storage changed');
  });

  it('answers 401 to a request without credentials', async () => {
    const anonymous = new RawClient(cluster.api.url, cluster.dataDir, { anonymous: true });
    try {
      const res = await anonymous.request('GET', CM);
      assert.equal(res.status, 401);
      assert.equal((JSON.parse(res.body) as { reason: string }).reason, 'Unauthorized');
    } finally {
      anonymous.close();
    }
  });

  it('ends a watch from a compacted resourceVersion with one 410 Expired event', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await client.request('POST', CM, cm({}, { name: `churn-${i}` }));
      assert.equal(res.status, 201);
    }
    await cluster.kv.compact((await cluster.kv.stats()).revision);
    const res = await client.request('GET', `${CM}?watch=true&resourceVersion=1`);
    assert.equal(res.status, 200);
    const events = res.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { code: number; reason: string } });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'ERROR');
    assert.equal(events[0]!.object.code, 410);
    assert.equal(events[0]!.object.reason, 'Expired');
  });
});
