/**
 * Scenario P1 (seed 003): random packet loss on the path to the API server. Inside a network
 * namespace, iptables drops 5 % of the TCP packets between the namespace and the API server on the
 * host end of the veth, each way:
 *
 *     iptables -I OUTPUT -p tcp -d <host> --dport <api port> -m statistic --mode random --probability 0.05 -j DROP
 *     iptables -I INPUT  -p tcp -s <host> --sport <api port> -m statistic --mode random --probability 0.05 -j DROP
 *
 * One child process in the namespace (support/netns-agent.ts) runs a node agent and, on a client
 * of its own, a watcher: it lists the ConfigMaps of a namespace, watches them with ResumingWatch
 * (the server ends each watch after a few seconds, so it resumes many times under loss), and GETs
 * one ConfigMap every 200 ms. This process, on the loss-free host path, updates that ConfigMap 300
 * times over ~20 s. The watcher must see every update exactly once, in order; no read may fail
 * after the client's retries; the node must stay Ready (controller here, grace 5 s, scaled timing
 * as in dead-connections.test.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { netnsUnsupportedReason } from '../../src/faults/netns.js';
import { eventually } from '../support/apiserver.js';
import { SCALED_AGENT, SCALED_LIFECYCLE, startNetnsCluster, type AgentLine, type NetnsCluster } from './support/netns-cluster.js';

const skip = netnsUnsupportedReason();
if (skip) process.stderr.write(`# skipping kernel-level P1: ${skip}\n`);

const NODE = 'netns-node-1';
const NAMESPACE = 'p1';
const CONFIGMAP = 'counter';
const LOSS = 0.05;
const UPDATES = 300;
const WRITE_SECONDS = 20;
const WATCH_TIMEOUT_SECONDS = 5;

type ConfigMapObj = ConfigMap & KubeObject;
type WatchLine = AgentLine & { type: string; name: string; resourceVersion: string; seq?: string };
interface Summary {
  reads: { ok: number; failed: number; maxMs: number; errors: string[] };
  watchRestarts: number;
  node: { dials: number; healthCheckFailures: number };
  watcher: { dials: number; healthCheckFailures: number };
}

describe('P1: 5 % random packet loss between the namespace and the API server', { skip, timeout: 90_000 }, () => {
  let cluster: NetnsCluster | undefined;
  after(() => cluster?.close());

  it('the watcher sees every update exactly once, in order; no read fails; the node stays Ready', async (t) => {
    let passed = false;
    cluster = await startNetnsCluster(SCALED_LIFECYCLE);
    const c = cluster;
    await c.admin.resource('', 'v1', 'namespaces').create({ metadata: { name: NAMESPACE } });
    const configMaps = c.admin.resource<ConfigMapObj>('', 'v1', 'configmaps');
    let cm = await configMaps.create({ metadata: { name: CONFIGMAP, namespace: NAMESPACE }, data: { seq: '0' } });

    // Loss from the start: registration, the first list and every watch happen under it.
    const host = c.lab.hostAddress;
    const rules = [
      await c.lab.dropPackets({ chain: 'OUTPUT', protocol: 'tcp', destination: host, destinationPort: c.port, probability: LOSS }),
      await c.lab.dropPackets({ chain: 'INPUT', protocol: 'tcp', source: host, sourcePort: c.port, probability: LOSS }),
    ];
    for (const rule of rules) c.defer(() => rule.remove());
    const tcpBefore = await c.tcpCounters();

    const agent = c.spawnAgent({
      ...SCALED_AGENT,
      nodeName: NODE,
      zone: 'zone-a',
      watch: { namespace: NAMESPACE, readName: CONFIGMAP, readIntervalMs: 200, readTimeoutMs: 10_000, watchTimeoutSeconds: WATCH_TIMEOUT_SECONDS },
    });
    t.after(() => {
      if (passed) return;
      const lines = agent.lines.filter((l) => l.event !== 'watch' || l.seq === undefined);
      console.log(`P1 agent lines (watch events left out):\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nagent stderr (tail):\n${agent.stderr().slice(-4000)}`);
    });
    const watching = await agent.waitFor((l) => l.event === 'watching', 30_000, 'the watcher to list');
    assert.deepEqual(watching.items, [{ name: CONFIGMAP, resourceVersion: cm.metadata!.resourceVersion, seq: '0' }]);
    await eventually(async () => (await c.readyStatus()).get(NODE) === 'True', 30_000, `${NODE} to be Ready`);
    await c.createPods(NODE, 3);
    const transitionsBefore = c.controller.stats.notReadyTransitions;

    // 300 updates at a steady pace, on the host's loss-free path; each one's resourceVersion is
    // what the watcher must report, in this order.
    const written: string[] = [];
    const writtenAt: number[] = [];
    const started = Date.now();
    for (let seq = 1; seq <= UPDATES; seq++) {
      await delay(Math.max(0, started + (seq * WRITE_SECONDS * 1000) / UPDATES - Date.now()));
      writtenAt.push(Date.now());
      cm = await configMaps.update({ ...cm, data: { seq: String(seq) } });
      written.push(cm.metadata!.resourceVersion!);
    }
    const writeSeconds = (Date.now() - started) / 1000;
    const isUpdate = (l: AgentLine): l is WatchLine => l.event === 'watch' && l.name === CONFIGMAP;
    await agent.waitFor((l) => isUpdate(l) && l.seq === String(UPDATES), 20_000, `the watcher to see update ${UPDATES}`);
    // Past the next resume of the watch too: a resume from a wrong resourceVersion would replay events.
    await delay((WATCH_TIMEOUT_SECONDS + 1) * 1000);

    const serverRetransmits = await c.serverRetransmits();
    const summary = (await agent.stop()) as (AgentLine & Summary) | undefined;
    assert.ok(summary, `the agent printed its summary: ${JSON.stringify(agent.lines.slice(-3))} ${agent.stderr().slice(-2000)}`);
    const tcpAfter = await c.tcpCounters();
    const drops = await c.dropCounters();
    const events = agent.lines.filter(isUpdate);
    const seen = events.map((e) => e.resourceVersion);
    const seenSet = new Set(seen);
    const lost = written.filter((rv) => !seenSet.has(rv)).length;
    const duplicated = seen.length - seenSet.size;
    const unexpected = seen.filter((rv) => !written.includes(rv)).length;
    // From the write being sent here to the event's arrival there (one clock: same machine).
    const delivery = events.map((e) => e.t - (writtenAt[written.indexOf(e.resourceVersion)] ?? NaN)).sort((a, b) => a - b);
    const heartbeats = agent.lines.filter((l) => l.event === 'heartbeat');
    const ready = await c.readyStatus();
    const dropped = { in: drops.find((d) => d.chain === 'INPUT')?.packets ?? 0, out: drops.find((d) => d.chain === 'OUTPUT')?.packets ?? 0 };
    // InSegs/OutSegs count what got past the rules; the namespace's traffic is only this path.
    const segments = { in: tcpAfter.inSegs - tcpBefore.inSegs, out: tcpAfter.outSegs - tcpBefore.outSegs };
    const share = (d: number, passed: number) => `${((100 * d) / (d + passed)).toFixed(1)} %`;
    console.log(
      `P1: ${UPDATES} updates written in ${writeSeconds.toFixed(1)} s; watcher saw ${events.length} events (lost ${lost}, duplicated ${duplicated}, unexpected ${unexpected}, ` +
        `in order ${JSON.stringify(seen) === JSON.stringify(written)}), watch resumed ${summary.watchRestarts} times, delivery median ${delivery[Math.floor(delivery.length / 2)]} ms, max ${delivery.at(-1)} ms; ` +
        `reads ${summary.reads.ok} ok / ${summary.reads.failed} failed (slowest ${summary.reads.maxMs} ms); ` +
        `heartbeats ${heartbeats.filter((l) => l.ok).length} ok / ${heartbeats.filter((l) => !l.ok).length} failed; ` +
        `dials node ${summary.node.dials} watcher ${summary.watcher.dials}, health-check closes node ${summary.node.healthCheckFailures} watcher ${summary.watcher.healthCheckFailures}; ` +
        `packets dropped: into the namespace ${dropped.in} of ${dropped.in + segments.in} (${share(dropped.in, segments.in)}), out of it ${dropped.out} of ${dropped.out + segments.out} (${share(dropped.out, segments.out)}); ` +
        `API server retransmitted ${serverRetransmits} segments; ` +
        `NotReady transitions ${c.controller.stats.notReadyTransitions - transitionsBefore}; evictions ${c.controller.stats.evictions}`,
    );

    assert.ok(dropped.in > 0 && dropped.out > 0, `packets were really dropped each way: ${JSON.stringify(drops)}`);
    assert.deepEqual(
      events.map((e) => [e.type, e.seq]),
      written.map((_rv, i) => ['MODIFIED', String(i + 1)]),
      'every update once, in order',
    );
    assert.deepEqual(seen, written, 'the same resourceVersions, in order');
    assert.equal(lost, 0, 'no update lost');
    assert.equal(duplicated, 0, 'no update duplicated');
    assert.equal(summary.reads.failed, 0, `no read failed after the client's retries: ${summary.reads.errors.join(' | ')}`);
    assert.ok(summary.reads.ok >= (WRITE_SECONDS * 1000) / 200 / 2, `reads kept flowing: ${summary.reads.ok}`);
    assert.equal(ready.get(NODE), 'True', `${NODE} is Ready: ${JSON.stringify([...ready])}`);
    assert.equal(c.controller.stats.notReadyTransitions, transitionsBefore, 'the node never went NotReady or Unknown');
    assert.equal(c.controller.stats.evictions, 0, 'no pod was evicted');
    passed = true;
  });
});
