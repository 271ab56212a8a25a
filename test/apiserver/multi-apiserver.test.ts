/**
 * Several API servers on one etcd cluster serve one cluster: what is written through one is read
 * and watched through the others, with the same resourceVersions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/start.js';
import { EtcdKV } from '../../src/storage/etcd/etcd-kv.js';
import { startEtcd, type EtcdServer } from '../support/etcd.js';
import { RawClient } from '../support/raw-client.js';

let etcd: EtcdServer;
const servers: { api: RunningApiServer; kv: EtcdKV; client: RawClient }[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'tskube-multi-'));

before(async () => {
  etcd = await startEtcd();
  for (let i = 0; i < 2; i++) {
    const kv = await EtcdKV.open({ endpoints: [etcd.clientUrl] });
    // One data dir: both servers use the same CA and admin certificate, as a shared PKI would.
    const api = await startApiServer({ kv, dataDir, host: '127.0.0.1', port: 0 });
    servers.push({ api, kv, client: new RawClient(api.url, dataDir) });
  }
});
after(async () => {
  for (const s of servers) {
    s.client.close();
    await s.api.close();
    await s.kv.close();
  }
  await etcd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('two API servers on one etcd', () => {
  it('reads and watches through one what was written through the other', async () => {
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    const path = '/api/v1/namespaces/default/configmaps';
    const created = await a.client.request('POST', path, JSON.stringify({ metadata: { name: 'shared' }, data: { v: '1' } }));
    assert.equal(created.status, 201, created.body);
    const rv = (JSON.parse(created.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

    const read = await b.client.request('GET', `${path}/shared`);
    assert.equal(read.status, 200, read.body);
    assert.equal((JSON.parse(read.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion, rv);

    // A watch on B from that resourceVersion sees an update made through A.
    const watch = b.client.request('GET', `${path}?watch=true&resourceVersion=${rv}&timeoutSeconds=3`);
    await new Promise((r) => setTimeout(r, 300));
    const updated = await a.client.request(
      'PATCH',
      `${path}/shared`,
      JSON.stringify({ data: { v: '2' } }),
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(updated.status, 200, updated.body);
    const events = (await watch).body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { data: { v: string } } });
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.data.v}`), ['MODIFIED 2']);
  });
});
