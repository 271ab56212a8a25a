import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus, PodSpec } from 'kubernetes-types/core/v1.js';
import { podConditions, podPhase, qosClass } from './status.js';

const running = (name: string, ready = true): ContainerStatus => ({ name, image: 'i', imageID: '', ready, restartCount: 0, state: { running: {} } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } });
const backingOff = (name: string, exitCode: number): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: 1,
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: { terminated: { exitCode } },
});
const waiting = (name: string): ContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } });
const spec = (restartPolicy: PodSpec['restartPolicy']): PodSpec => ({ containers: [], restartPolicy });
const opts = { initFailed: false, terminal: false };

describe('pod phase', () => {
  it('follows upstream per restart policy', () => {
    assert.equal(podPhase(spec('Always'), [], [waiting('a')], opts), 'Pending');
    assert.equal(podPhase(spec('Always'), [], [running('a'), backingOff('b', 1)], opts), 'Running');
    assert.equal(podPhase(spec('Always'), [], [backingOff('a', 1)], opts), 'Running');
    assert.equal(podPhase(spec('Never'), [], [exited('a', 1)], opts), 'Failed');
    assert.equal(podPhase(spec('Never'), [], [exited('a', 0), exited('b', 0)], opts), 'Succeeded');
    assert.equal(podPhase(spec('OnFailure'), [], [exited('a', 0)], opts), 'Succeeded');
    assert.equal(podPhase(spec('OnFailure'), [], [backingOff('a', 1)], opts), 'Running');
    assert.equal(podPhase(spec('Always'), [running('init')], [waiting('a')], opts), 'Pending');
    assert.equal(podPhase(spec('Never'), [exited('init', 1)], [waiting('a')], { ...opts, initFailed: true }), 'Failed');
    assert.equal(podPhase(spec('Always'), [], [exited('a', 143)], { ...opts, terminal: true }), 'Failed');
    assert.equal(podPhase(spec('Always'), [], [exited('a', 0)], { ...opts, terminal: true }), 'Succeeded');
  });
});

describe('pod conditions', () => {
  it('names unready and incomplete containers as upstream does, and keeps others’ conditions', () => {
    const pod = { status: { conditions: [{ type: 'PodScheduled', status: 'True' }] } };
    const conditions = podConditions(pod, { sandboxReady: true, init: [running('setup', false)], regular: [waiting('web'), waiting('db')], phase: 'Pending' }, new Date());
    const byType = new Map(conditions.map((c) => [c.type, c]));
    assert.equal(byType.get('PodScheduled')?.status, 'True');
    assert.equal(byType.get('PodReadyToStartContainers')?.status, 'True');
    assert.equal(byType.get('Initialized')?.message, 'containers with incomplete status: [setup]');
    assert.equal(byType.get('Ready')?.reason, 'ContainersNotReady');
    assert.equal(byType.get('Ready')?.message, 'containers with unready status: [web db]');
  });

  it('keeps lastTransitionTime while a condition does not change', () => {
    const t = '2020-01-01T00:00:00Z';
    const pod = { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] } };
    const ready = podConditions(pod, { sandboxReady: true, init: [], regular: [running('a')], phase: 'Running' }, new Date()).find((c) => c.type === 'Ready');
    assert.equal(ready?.lastTransitionTime, t);
  });
});

describe('QoS class', () => {
  it('is Guaranteed, Burstable or BestEffort as upstream decides', () => {
    const c = (resources: object) => ({ containers: [{ name: 'a', resources }] }) as PodSpec;
    assert.equal(qosClass(c({})), 'BestEffort');
    assert.equal(qosClass(c({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
    assert.equal(qosClass(c({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } })), 'Burstable');
    assert.equal(qosClass(c({ requests: { memory: '1Gi' } })), 'Burstable');
  });
});
