import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { createLogger } from '../log.js';
import { ClusterState } from './cluster-state.js';
import { encodeWithin, QueryHandler } from './message.js';
import { Resolver } from './resolver.js';

type Reply = DecodedPacket & { rcode: string };

function handler(): QueryHandler {
  const state = ClusterState.empty();
  state.sources.namespaces.add({ metadata: { name: 'default' } });
  state.sources.services.add({ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } });
  return new QueryHandler({ resolver: new Resolver({ zone: 'cluster.local', ttl: 5, podMode: 'insecure' }, state, () => true), log: createLogger('test') });
}

async function ask(q: packet.Packet): Promise<Reply> {
  const raw = await handler().handle(packet.encode(q), 'udp');
  assert.ok(raw);
  return packet.decode(raw) as Reply;
}

describe('QueryHandler', () => {
  it('echoes id, question and RD, and marks cluster answers authoritative', async () => {
    const r = await ask({ id: 4242, type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    assert.equal(r.id, 4242);
    assert.equal(r.flag_qr, true);
    assert.equal(r.flag_rd, true);
    assert.equal(r.flag_aa, true);
    assert.equal(r.flag_ra, false, 'no upstream, no recursion');
    assert.deepEqual(r.answers?.map((a) => [a.type, (a as { data: unknown }).data, (a as { ttl: number }).ttl]), [['A', '10.96.0.1', 5]]);
  });

  it('refuses other classes, zone transfers and several questions', async () => {
    assert.equal((await ask({ id: 1, type: 'query', questions: [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'CH' }] })).rcode, 'REFUSED');
    assert.equal((await ask({ id: 2, type: 'query', questions: [{ name: 'cluster.local', type: 'AXFR' }] })).rcode, 'NOTIMP');
    const two = await ask({ id: 3, type: 'query', questions: [{ name: 'a.cluster.local', type: 'A' }, { name: 'b.cluster.local', type: 'A' }] });
    assert.equal(two.rcode, 'FORMERR');
  });

  it('answers an EDNS version it does not speak with BADVERS', async () => {
    const r = await ask({
      id: 5,
      type: 'query',
      questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }],
      additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 1, flags: 0, flag_do: false, options: [] }],
    });
    const opt = r.additionals?.find((a) => a.type === 'OPT') as { extendedRcode: number } | undefined;
    assert.equal(opt?.extendedRcode, 1, 'extended rcode 16 = BADVERS');
    assert.equal(r.answers?.length, 0);
  });

  it('drops what is not a query', async () => {
    assert.equal(await handler().handle(Buffer.from([1, 2, 3]), 'udp'), undefined);
    const response = packet.encode({ id: 9, type: 'response', questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
    assert.equal(await handler().handle(response, 'udp'), undefined);
  });
});

describe('encodeWithin', () => {
  const answers: Answer[] = Array.from({ length: 50 }, (_, i) => ({ name: 'big.default.svc.cluster.local', type: 'A', ttl: 5, data: `10.0.0.${i}` }));
  const response: packet.Packet = { id: 1, type: 'response', questions: [{ name: 'big.default.svc.cluster.local', type: 'A' }], answers };

  it('keeps as many answers as fit in the limit and sets TC', () => {
    const out = encodeWithin(response, 512);
    assert.ok(out.length <= 512);
    const r = packet.decode(out);
    assert.equal(r.flag_tc, true);
    assert.ok((r.answers?.length ?? 0) > 0 && (r.answers?.length ?? 0) < 50);
  });

  it('drops optional additional records before truncating the answer', () => {
    const extra: Answer[] = Array.from({ length: 20 }, (_, i) => ({ name: `e${i}.default.svc.cluster.local`, type: 'A', ttl: 5, data: `10.1.0.${i}` }));
    const small: packet.Packet = { ...response, answers: answers.slice(0, 2), additionals: extra };
    const r = packet.decode(encodeWithin(small, 512));
    assert.equal(r.flag_tc, false);
    assert.equal(r.answers?.length, 2);
    assert.equal(r.additionals?.length ?? 0, 0);
  });

  it('leaves a fitting response alone', () => {
    assert.equal(packet.decode(encodeWithin(response, 65_535)).answers?.length, 50);
  });
});
