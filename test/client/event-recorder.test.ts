/**
 * The client library's EventRecorder against a real API server: Events named `<object>.<hex>`
 * with the involved object's reference and source; the same event again bumps count and
 * lastTimestamp; a different fieldPath, a forgotten object, an Event deleted meanwhile, or one
 * pushed out of the bounded memory starts a new Event; a failed write is logged, never thrown.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import { pino } from 'pino';
import type { KubeObject } from '../../src/api/object.js';
import { EventRecorder, restEventSink } from '../../src/client/event-recorder.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';
import { clientFor } from './support/cluster-client.js';

type Event = CoreEvent & KubeObject;

let cluster: TestCluster;
let client: RestClient;

before(async () => {
  cluster = await startTestCluster();
  client = await clientFor(cluster);
});
after(async () => {
  client?.close();
  await cluster?.close();
});

/** A logger whose warnings the test can read. */
function capturingLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'warn' }, stream), lines };
}

const pod = (name: string, uid: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid, resourceVersion: '7' },
});

async function eventsAbout(name: string): Promise<Event[]> {
  const list = await client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === name);
}

describe('EventRecorder', () => {
  it('writes one Event with the reference and source, and bumps it when the same event repeats', async () => {
    const recorder = new EventRecorder({ sink: restEventSink(client), component: 'kubelet', host: 'node-a', log: capturingLogger().log });
    const subject = pod('web', 'uid-web');
    await recorder.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container', { fieldPath: 'spec.containers{web}' });
    await recorder.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container', { fieldPath: 'spec.containers{web}' });
    await recorder.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container', { fieldPath: 'spec.containers{web}' });
    const [event, ...more] = await eventsAbout('web');
    assert.equal(more.length, 0);
    assert.ok(event);
    assert.match(event.metadata?.name ?? '', /^web\.[0-9a-f]+$/);
    assert.deepEqual(event.involvedObject, {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'web',
      namespace: 'default',
      uid: 'uid-web',
      resourceVersion: '7',
      fieldPath: 'spec.containers{web}',
    });
    assert.deepEqual(event.source, { component: 'kubelet', host: 'node-a' });
    assert.equal(event.reportingComponent, 'kubelet');
    assert.equal(event.reportingInstance, 'node-a');
    assert.equal(event.type, 'Warning');
    assert.equal(event.count, 3);
    assert.ok(event.firstTimestamp && event.lastTimestamp && event.lastTimestamp >= event.firstTimestamp);
  });

  it('starts a new Event for another fieldPath, after forget, and after the old one was deleted', async () => {
    const recorder = new EventRecorder({ sink: restEventSink(client), component: 'default-scheduler', log: capturingLogger().log });
    const subject = pod('api', 'uid-api');
    await recorder.event(subject, 'Normal', 'Pulled', 'pulled');
    await recorder.event(subject, 'Normal', 'Pulled', 'pulled', { fieldPath: 'spec.containers{sidecar}' });
    assert.equal((await eventsAbout('api')).length, 2);

    recorder.forget('uid-api');
    await recorder.event(subject, 'Normal', 'Pulled', 'pulled');
    const afterForget = await eventsAbout('api');
    assert.equal(afterForget.length, 3);
    assert.ok(afterForget.every((e) => e.count === 1));
    const withoutHost = afterForget[0]!;
    assert.deepEqual(withoutHost.source, { component: 'default-scheduler' });
    assert.equal(withoutHost.reportingInstance, 'default-scheduler');

    for (const e of afterForget) await client.resource<Event>('', 'v1', 'events').delete(e.metadata!.name!, { namespace: 'default' });
    await recorder.event(subject, 'Normal', 'Pulled', 'pulled');
    const recreated = await eventsAbout('api');
    assert.equal(recreated.length, 1);
    assert.equal(recreated[0]!.count, 1);
  });

  it('remembers at most maxRemembered events: the least recently used one starts anew', async () => {
    const recorder = new EventRecorder({ sink: restEventSink(client), component: 'replicaset-controller', log: capturingLogger().log, maxRemembered: 2 });
    const subject = pod('lru', 'uid-lru');
    await recorder.event(subject, 'Normal', 'A', 'a');
    await recorder.event(subject, 'Normal', 'B', 'b');
    await recorder.event(subject, 'Normal', 'A', 'a'); // A is now the most recently used
    await recorder.event(subject, 'Normal', 'C', 'c'); // pushes B out
    await recorder.event(subject, 'Normal', 'B', 'b');
    await recorder.event(subject, 'Normal', 'A', 'a'); // pushed out by B: A starts anew too
    const counts = (await eventsAbout('lru')).map((e) => `${e.reason}=${e.count}`).sort();
    assert.deepEqual(counts, ['A=1', 'A=2', 'B=1', 'B=1', 'C=1']);
  });

  it('logs a failed write and resolves, never throws', async () => {
    const { log, lines } = capturingLogger();
    const recorder = new EventRecorder({ sink: restEventSink(client), component: 'deployment-controller', log });
    // "Not_Valid.<hex>" is no valid object name: the API server answers 422.
    await recorder.event(pod('Not_Valid', 'uid-bad'), 'Warning', 'FailedCreate', 'x');
    assert.equal((await eventsAbout('Not_Valid')).length, 0);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /could not record event/);
  });
});
