import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { podPrinter, podStatusSummary } from './pods.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const MIN = 60_000;

function status(name: string, state: ContainerState, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, image: `${name}:1`, imageID: '', ready: false, restartCount: 0, state, ...extra };
}

const running: ContainerState = { running: { startedAt: ago(10 * MIN) } };
const waiting = (reason: string): ContainerState => ({ waiting: { reason } });
const terminated = (exitCode: number, reason?: string, signal?: number): ContainerState => ({
  terminated: { exitCode, ...(reason !== undefined ? { reason } : {}), ...(signal !== undefined ? { signal } : {}) },
});
const cond = (type: string, value: 'True' | 'False', reason?: string): PodCondition => ({
  type,
  status: value,
  ...(reason !== undefined ? { reason } : {}),
});

interface PodOptions {
  containers?: string[];
  initContainers?: { name: string; sidecar?: boolean }[];
  phase?: string;
  reason?: string;
  conditions?: PodCondition[];
  statuses?: ContainerStatus[];
  initStatuses?: ContainerStatus[];
  deleting?: boolean;
}

function pod(o: PodOptions = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      namespace: 'default',
      creationTimestamp: ago(30 * MIN),
      ...(o.deleting === true ? { deletionTimestamp: ago(MIN) } : {}),
    },
    spec: {
      containers: (o.containers ?? ['app']).map((name) => ({ name, image: `${name}:1` })),
      initContainers: (o.initContainers ?? []).map((c) => ({
        name: c.name,
        image: `${c.name}:1`,
        ...(c.sidecar === true ? { restartPolicy: 'Always' } : {}),
      })),
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      conditions: o.conditions ?? [],
      containerStatuses: o.statuses ?? [],
      initContainerStatuses: o.initStatuses ?? [],
    },
  };
}

const reasonOf = (p: Pod): string => podStatusSummary(p).reason;
const cellsOf = (p: Pod) => podPrinter.cells(p, { now: NOW });

describe('pod STATUS', () => {
  it('is the phase for a pod with nothing more specific to say', () => {
    assert.equal(reasonOf(pod({ phase: 'Pending' })), 'Pending');
    assert.equal(reasonOf(pod({ statuses: [status('app', running, { ready: true })] })), 'Running');
  });

  it('prefers status.reason over the phase', () => {
    assert.equal(reasonOf(pod({ phase: 'Failed', reason: 'Evicted' })), 'Evicted');
  });

  it('says SchedulingGated while scheduling gates hold the pod', () => {
    const p = pod({ phase: 'Pending', conditions: [cond('PodScheduled', 'False', 'SchedulingGated')] });
    assert.equal(reasonOf(p), 'SchedulingGated');
  });

  it('shows a waiting container reason such as ContainerCreating or CrashLoopBackOff', () => {
    const creating = pod({ phase: 'Pending', statuses: [status('app', waiting('ContainerCreating'))] });
    assert.equal(reasonOf(creating), 'ContainerCreating');
    assert.equal(reasonOf(pod({ statuses: [status('app', waiting('CrashLoopBackOff'))] })), 'CrashLoopBackOff');
  });

  it('shows the first problem container when several have one', () => {
    const p = pod({
      containers: ['a', 'b'],
      statuses: [status('a', waiting('ImagePullBackOff')), status('b', waiting('CrashLoopBackOff'))],
    });
    assert.equal(reasonOf(p), 'ImagePullBackOff');
  });

  it('prints ExitCode:N or Signal:N for a terminated container without a reason', () => {
    assert.equal(reasonOf(pod({ phase: 'Failed', statuses: [status('app', terminated(137))] })), 'ExitCode:137');
    assert.equal(reasonOf(pod({ phase: 'Failed', statuses: [status('app', terminated(0, undefined, 9))] })), 'Signal:9');
  });

  it('counts init containers as Init:i/n', () => {
    const initialising = (initStatuses: ContainerStatus[]) =>
      pod({ phase: 'Pending', initContainers: [{ name: 'i1' }, { name: 'i2' }], initStatuses });
    assert.equal(reasonOf(initialising([status('i1', running), status('i2', waiting('PodInitializing'))])), 'Init:0/2');
    assert.equal(reasonOf(initialising([status('i1', terminated(0, 'Completed')), status('i2', running)])), 'Init:1/2');
  });

  it('treats PodInitializing as no reason at all', () => {
    const p = pod({
      phase: 'Pending',
      initContainers: [{ name: 'i1' }],
      initStatuses: [status('i1', waiting('PodInitializing'))],
    });
    assert.equal(reasonOf(p), 'Init:0/1');
  });

  it('prefixes failing init container reasons with Init:', () => {
    const init = [{ name: 'i1' }];
    const withInit = (s: ContainerState) => pod({ phase: 'Pending', initContainers: init, initStatuses: [status('i1', s)] });
    assert.equal(reasonOf(withInit(waiting('CrashLoopBackOff'))), 'Init:CrashLoopBackOff');
    assert.equal(reasonOf(withInit(terminated(1, 'Error'))), 'Init:Error');
    assert.equal(reasonOf(withInit(terminated(2))), 'Init:ExitCode:2');
    assert.equal(reasonOf(withInit(terminated(137, undefined, 9))), 'Init:Signal:9');
    // Exit code 0 means the init container finished, whatever else the status says.
    assert.equal(reasonOf(withInit(terminated(0, undefined, 9))), 'Pending');
  });

  it('is Completed for a succeeded pod, and adds the Completed row condition', () => {
    const p = pod({ phase: 'Succeeded', statuses: [status('app', terminated(0, 'Completed'))] });
    assert.equal(reasonOf(p), 'Completed');
    assert.deepEqual(podPrinter.conditions?.(p), [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
  });

  it('adds a Failed row condition to failed pods and none to running ones', () => {
    assert.deepEqual(podPrinter.conditions?.(pod({ phase: 'Failed' })), [
      { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
    ]);
    assert.equal(podPrinter.conditions?.(pod({ phase: 'Running' })), undefined);
  });

  it('turns Completed back into Running or NotReady while another container still runs', () => {
    const statuses = [status('job', terminated(0, 'Completed')), status('proxy', running, { ready: true })];
    const base = { containers: ['job', 'proxy'], statuses };
    assert.equal(reasonOf(pod({ ...base, conditions: [cond('Ready', 'True')] })), 'Running');
    assert.equal(reasonOf(pod({ ...base, conditions: [cond('Ready', 'False')] })), 'NotReady');
  });

  it('says Terminating for a deleted pod that has not finished, but keeps a finished pod as it was', () => {
    assert.equal(reasonOf(pod({ deleting: true, statuses: [status('app', running, { ready: true })] })), 'Terminating');
    const done = pod({ deleting: true, phase: 'Succeeded', statuses: [status('app', terminated(0, 'Completed'))] });
    assert.equal(reasonOf(done), 'Completed');
  });

  it('says Unknown for a deleted pod on a lost node', () => {
    assert.equal(reasonOf(pod({ deleting: true, reason: 'NodeLost' })), 'Unknown');
  });
});

describe('pod READY and RESTARTS', () => {
  it('counts ready running containers out of all containers', () => {
    const p = pod({ containers: ['a', 'b'], statuses: [status('a', running, { ready: true }), status('b', running)] });
    const cells = cellsOf(p);
    assert.equal(cells[1], '1/2');
    assert.equal(cells[3], '0');
  });

  it('prints restarts with the age of the last restart', () => {
    const p = pod({
      statuses: [
        status('app', waiting('CrashLoopBackOff'), {
          restartCount: 3,
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
        }),
      ],
    });
    assert.deepEqual(cellsOf(p).slice(1, 4), ['0/1', 'CrashLoopBackOff', '3 (5m ago)']);
  });

  it('prints the bare count when no termination time is known', () => {
    const p = pod({ statuses: [status('app', running, { ready: true, restartCount: 2 })] });
    assert.equal(cellsOf(p)[3], '2');
  });

  it('counts sidecars (restartable init containers) as containers and their restarts', () => {
    const p = pod({
      initContainers: [{ name: 'mesh', sidecar: true }],
      initStatuses: [
        status('mesh', running, {
          ready: true,
          started: true,
          restartCount: 2,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * MIN) } },
        }),
      ],
      conditions: [cond('Initialized', 'True')],
      statuses: [
        status('app', running, {
          ready: true,
          restartCount: 1,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(7 * MIN) } },
        }),
      ],
    });
    assert.deepEqual(cellsOf(p).slice(1, 4), ['2/2', 'Running', '3 (7m ago)']);
  });

  it('counts init container restarts while the pod is still initialising', () => {
    const p = pod({
      phase: 'Pending',
      initContainers: [{ name: 'migrate' }],
      initStatuses: [
        status('migrate', waiting('CrashLoopBackOff'), {
          restartCount: 4,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(90_000) } },
        }),
      ],
      statuses: [status('app', waiting('PodInitializing'), { restartCount: 9 })],
    });
    assert.deepEqual(cellsOf(p).slice(1, 4), ['0/1', 'Init:CrashLoopBackOff', '4 (90s ago)']);
  });
});

describe('pod wide columns', () => {
  it('prints IP, node, nominated node and readiness gates, or <none>', () => {
    const base = pod({ statuses: [status('app', running, { ready: true })], conditions: [cond('example.com/lb', 'True')] });
    assert.deepEqual(cellsOf(base).slice(5), ['<none>', '<none>', '<none>', '<none>']);

    const placed: Pod = {
      ...base,
      spec: {
        containers: base.spec?.containers ?? [],
        nodeName: 'node-1',
        readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }],
      },
      status: { ...base.status, podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }], nominatedNodeName: 'node-2' },
    };
    assert.deepEqual(cellsOf(placed).slice(5), ['10.0.0.5', 'node-1', 'node-2', '1/2']);
  });

  it('falls back to status.podIP when podIPs is absent', () => {
    const base = pod();
    assert.equal(cellsOf({ ...base, status: { ...base.status, podIP: '10.0.0.9' } })[5], '10.0.0.9');
  });
});

describe('pods decoded from JSON with explicit nulls', () => {
  it('treats null like an absent field, as Go does', () => {
    const p = JSON.parse(
      JSON.stringify({
        metadata: { name: 'p', deletionTimestamp: null, creationTimestamp: null },
        spec: { containers: [{ name: 'app' }], nodeName: null },
        status: {
          phase: 'Running',
          reason: null,
          containerStatuses: [
            { name: 'app', ready: true, restartCount: 0, state: { waiting: null, terminated: null, running: {} } },
          ],
        },
      }),
    ) as Pod;
    assert.deepEqual(cellsOf(p).slice(0, 7), ['p', '1/1', 'Running', '0', '<unknown>', '<none>', '<none>']);
  });
});
