/**
 * Scenario L1 at the kernel level (seed 000, reproduced as the seed did it): a node agent runs in
 * a network namespace and heartbeats over one HTTP/2 connection to the API server on the host end
 * of the veth; then, inside the namespace,
 *
 *     iptables -I OUTPUT -p tcp --sport <the agent's port> -j DROP
 *
 * Every packet the agent sends on that connection is lost — no RST, no FIN, no error, Send-Q
 * grows — while a new connection (another source port) is untouched. The agent must notice by
 * itself (heartbeat timeout → close every connection → dial again) and recover on a NEW connection
 * well inside the grace period: the node never goes NotReady/Unknown and no pod is evicted.
 *
 * Scaled 10× like dead-connections.test.ts: lease 4 s (renewed every 1 s), status every 1 s,
 * heartbeat request timeout 1 s, HTTP/2 read idle 3 s / ping timeout 1.5 s; controller grace 5 s,
 * monitor period 0.5 s; the rule stays 6 s (the seed's 60 s).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { netnsUnsupportedReason } from '../../src/faults/netns.js';
import { eventually } from '../support/apiserver.js';
import { SCALED_AGENT, SCALED_LIFECYCLE, startNetnsCluster, type AgentLine, type NetnsCluster } from './support/netns-cluster.js';

const skip = netnsUnsupportedReason();
if (skip) process.stderr.write(`# skipping kernel-level L1: ${skip}\n`);

const NODE = 'netns-node-1';
const DROP_SECONDS = 6;
const GRACE_MS = SCALED_LIFECYCLE.nodeMonitorGracePeriodMs!;

type Heartbeat = AgentLine & { kind: 'lease' | 'status'; ok: boolean; dials: number; error?: string };
const isHeartbeat = (l: AgentLine): l is Heartbeat => l.event === 'heartbeat';

describe("L1 (kernel): the seed's iptables DROP on the agent's source port", { skip, timeout: 90_000 }, () => {
  let cluster: NetnsCluster | undefined;
  after(() => cluster?.close());

  it('the agent recovers by itself on a new connection within the grace period; no NotReady, no eviction', async (t) => {
    let passed = false;
    cluster = await startNetnsCluster(SCALED_LIFECYCLE);
    const c = cluster;
    const agent = c.spawnAgent({ ...SCALED_AGENT, nodeName: NODE, zone: 'zone-a' });
    await agent.waitFor((l) => l.event === 'started', 30_000, 'the agent to start');
    await eventually(async () => (await c.readyStatus()).get(NODE) === 'True', 20_000, `${NODE} to be Ready`);
    await c.createPods(NODE, 3);
    await delay(2_000); // a few heartbeats in steady state, on one connection

    const established = (await c.connections()).filter((s) => s.state === 'ESTAB');
    assert.equal(established.length, 1, `one connection from the agent to the API server: ${JSON.stringify(established)}`);
    assert.equal(established[0]!.pid, agent.child.pid, `it is the agent's: ${JSON.stringify(established)}`);
    const oldPort = established[0]!.localPort;
    const lastBefore = agent.lines.filter(isHeartbeat).at(-1);
    assert.ok(lastBefore?.ok, `heartbeats succeed before the fault: ${JSON.stringify(lastBefore)}`);
    const dialsBefore = lastBefore.dials;
    const podsBefore = await c.podNames();
    const transitionsBefore = c.controller.stats.notReadyTransitions;
    const from = agent.lines.length;

    const faultAt = Date.now();
    // On failure, the agent's own account of the fault, relative to it, says where the time went.
    const timeline = () => agent.lines.slice(from).map((l) => `${((l.t - faultAt) / 1000).toFixed(3)} s ${JSON.stringify(l)}`).join('\n');
    t.after(() => {
      if (!passed) console.log(`L1 (kernel) agent timeline:\n${timeline()}\nagent stderr (tail):\n${agent.stderr().slice(-4000)}`);
    });
    const rule = await c.lab.dropPackets({ chain: 'OUTPUT', protocol: 'tcp', sourcePort: oldPort });
    c.defer(() => rule.remove());
    assert.deepEqual(await c.lab.rules(), [`-A OUTPUT -p tcp -m tcp --sport ${oldPort} -j DROP`]);

    // Watch the old connection from the kernel's side while the rule is in place.
    const oldSocket = { maxSendQ: 0, states: new Set<string>() };
    const sampling = (async () => {
      while (Date.now() - faultAt < DROP_SECONDS * 1000 - 300) {
        for (const s of await c.connections()) {
          if (s.localPort !== oldPort) continue;
          oldSocket.maxSendQ = Math.max(oldSocket.maxSendQ, s.sendQ);
          oldSocket.states.add(s.state);
        }
        await delay(200);
      }
    })().catch(() => {}); // only a report; never outlives the test as an unhandled rejection

    // Recovery: the first successful heartbeat of each kind on a connection dialled after the fault.
    const recoveredOn = async (kind: 'lease' | 'status') =>
      (await agent.waitFor((l) => isHeartbeat(l) && l.kind === kind && l.ok && l.t > faultAt && l.dials > dialsBefore, GRACE_MS + 10_000, `a ${kind} heartbeat on a new connection`, from)) as Heartbeat;
    const [lease, status] = await Promise.all([recoveredOn('lease'), recoveredOn('status')]);
    const recovery = { lease: (lease.t - faultAt) / 1000, status: (status.t - faultAt) / 1000 };
    const afterRecovery = await c.connections();
    const newPorts = afterRecovery.filter((s) => s.state === 'ESTAB' && s.localPort !== oldPort).map((s) => s.localPort);

    await sampling;
    await delay(Math.max(0, faultAt + DROP_SECONDS * 1000 - Date.now()));
    await rule.remove();
    const removedAt = Date.now();
    // A whole grace period after the rule is gone: nothing may have been judged late.
    await delay(GRACE_MS + 1_000);

    const during = agent.lines.slice(from).filter(isHeartbeat).filter((l) => l.t <= removedAt);
    const failed = during.filter((l) => !l.ok);
    const afterFault = agent.lines.slice(from).filter(isHeartbeat);
    const ready = await c.readyStatus();
    console.log(
      `L1 (kernel): DROP on source port ${oldPort} for ${DROP_SECONDS} s; heartbeats recovered after lease ${recovery.lease.toFixed(2)} s, ` +
        `status ${recovery.status.toFixed(2)} s (grace ${GRACE_MS / 1000} s) on new port(s) ${newPorts.join(',')} ` +
        `(dials ${dialsBefore} → ${Math.max(...afterFault.map((l) => l.dials))}); ${failed.length} heartbeat(s) failed meanwhile ` +
        `(${[...new Set(failed.map((l) => l.error))].join(' | ')}); old socket: Send-Q up to ${oldSocket.maxSendQ} B, states ${[...oldSocket.states].join('/')}; ` +
        `NotReady transitions ${c.controller.stats.notReadyTransitions - transitionsBefore}; evictions ${c.controller.stats.evictions}`,
    );

    assert.ok(failed.length > 0, 'the rule did cut heartbeats (else the test proved nothing)');
    assert.ok(lease.dials > dialsBefore && status.dials > dialsBefore, 'recovery came on a connection dialled after the fault');
    assert.ok(newPorts.length > 0, `a new connection (another source port than ${oldPort}) carries the heartbeats: ${JSON.stringify(afterRecovery)}`);
    assert.ok(
      !afterRecovery.some((s) => s.localPort === oldPort && s.state === 'ESTAB'),
      `the agent gave up the dead connection on port ${oldPort}: ${JSON.stringify(afterRecovery)}`,
    );
    const worst = Math.max(recovery.lease, recovery.status);
    assert.ok(worst < GRACE_MS / 1000, `heartbeats took ${worst} s to recover, not less than the ${GRACE_MS / 1000} s grace period`);
    assert.ok(afterFault.filter((l) => l.t > removedAt).every((l) => l.ok), 'heartbeats keep succeeding after the rule is gone');
    assert.equal(ready.get(NODE), 'True', `${NODE} is Ready: ${JSON.stringify([...ready])}`);
    assert.equal(c.controller.stats.notReadyTransitions, transitionsBefore, 'the node never went NotReady or Unknown');
    assert.equal(c.controller.stats.evictions, 0, 'no pod was evicted');
    assert.deepEqual(await c.podNames(), podsBefore);
    passed = true;
  });
});
