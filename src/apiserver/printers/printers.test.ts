import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type {
  ConfigMap,
  Endpoints,
  Event as CoreEvent,
  Namespace,
  Node,
  Pod,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { toTable } from './table.js';
import type { KubeObject, TableCell } from './types.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const MIN = 60_000;
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: ago(5 * MIN) });

/** The column headers kubectl would print (upper-cased), split by priority, and the one row's cells. */
function render(resource: string, obj: KubeObject): { normal: string[]; wide: string[]; cells: TableCell[] } {
  const table = toTable(resource, [obj], { now: NOW, resourceVersion: '7' });
  const row = table.rows[0];
  assert.ok(row);
  const nameColumns = table.columnDefinitions.filter((c) => c.format === 'name');
  assert.equal(nameColumns.length, 1, 'exactly one name column');
  assert.equal(nameColumns[0]?.type, 'string');
  return {
    normal: table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase()),
    wide: table.columnDefinitions.filter((c) => c.priority !== 0).map((c) => c.name.toUpperCase()),
    cells: row.cells,
  };
}

describe('printers: headers and a representative row', () => {
  it('pods', () => {
    const pod: Pod = {
      metadata: meta('web-0'),
      spec: { containers: [{ name: 'app' }], nodeName: 'node-1' },
      status: {
        phase: 'Running',
        podIPs: [{ ip: '10.244.0.7' }],
        containerStatuses: [
          { name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    assert.deepEqual(render('pods', pod), {
      normal: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
      cells: ['web-0', '1/1', 'Running', '0', '5m', '10.244.0.7', 'node-1', '<none>', '<none>'],
    });
  });

  it('nodes', () => {
    const node: Node = {
      metadata: {
        name: 'cp-1',
        creationTimestamp: ago(3 * 24 * 60 * MIN),
        labels: {
          'node-role.kubernetes.io/control-plane': '',
          'kubernetes.io/role': 'etcd',
          'node-role.kubernetes.io/': '',
        },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [
          { type: 'Hostname', address: 'cp-1' },
          { type: 'InternalIP', address: '192.168.1.10' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Debian GNU/Linux 12',
          kernelVersion: '6.1.0',
          containerRuntimeVersion: '',
          architecture: 'amd64',
          bootID: '',
          kubeProxyVersion: '',
          machineID: '',
          operatingSystem: 'linux',
          systemUUID: '',
        },
      },
    };
    assert.deepEqual(render('nodes', node), {
      normal: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
      wide: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
      cells: [
        'cp-1',
        'Ready,SchedulingDisabled',
        'control-plane,etcd',
        '3d',
        'v1.32.0',
        '192.168.1.10',
        '<none>',
        'Debian GNU/Linux 12',
        '6.1.0',
        '<unknown>',
      ],
    });
  });

  it('nodes: NotReady for a False or Unknown Ready condition, Unknown without one', () => {
    const node = (conditions: { type: string; status: string }[]): Node => ({ metadata: meta('n'), status: { conditions } });
    assert.equal(render('nodes', node([{ type: 'Ready', status: 'False' }])).cells[1], 'NotReady');
    assert.equal(render('nodes', node([{ type: 'Ready', status: 'Unknown' }])).cells[1], 'NotReady');
    assert.equal(render('nodes', node([{ type: 'MemoryPressure', status: 'False' }])).cells[1], 'Unknown');
    assert.equal(render('nodes', node([])).cells[2], '<none>');
  });

  it('services', () => {
    const svc: Service = {
      metadata: meta('web'),
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10', 'fd00::10'],
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { tier: 'web', app: 'shop' },
      },
    };
    assert.deepEqual(render('services', svc), {
      normal: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
      wide: ['SELECTOR'],
      cells: ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '5m', 'app=shop,tier=web'],
    });
  });

  it('services: EXTERNAL-IP by type, defaults, and headless', () => {
    const cells = (spec: Service['spec'], status?: Service['status']) =>
      render('services', { metadata: meta('s'), spec, ...(status ? { status } : {}) } as Service).cells;
    assert.deepEqual(cells({ type: 'LoadBalancer', ports: [{ port: 443 }] }).slice(1, 5), [
      'LoadBalancer',
      '<none>',
      '<pending>',
      '443/TCP',
    ]);
    const ingress = [{ ip: '9.9.9.9' }, { hostname: 'lb.example.com' }, { ip: '9.9.9.9' }];
    const lb = cells({ type: 'LoadBalancer', externalIPs: ['1.2.3.4'] }, { loadBalancer: { ingress } });
    assert.equal(lb[3], '9.9.9.9,lb.example.com,1.2.3.4');
    assert.equal(cells({ type: 'ExternalName', externalName: 'db.example.com' })[3], 'db.example.com');
    const headless = cells({ clusterIP: 'None', externalIPs: ['5.6.7.8'] });
    assert.deepEqual(headless.slice(1, 5), ['ClusterIP', 'None', '5.6.7.8', '<none>']);
    assert.equal(cells({})[6], '<none>');
  });

  it('endpoints', () => {
    const ep: Endpoints = {
      metadata: meta('web'),
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }],
          ports: [{ port: 8080 }, { port: 9090 }],
        },
      ],
    };
    assert.deepEqual(render('endpoints', ep), {
      normal: ['NAME', 'ENDPOINTS', 'AGE'],
      wide: [],
      cells: ['web', '10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 3 more...', '5m'],
    });
    assert.equal(render('endpoints', { metadata: meta('none') } as Endpoints).cells[1], '<none>');
    const noAddresses: Endpoints = { metadata: meta('e'), subsets: [{ ports: [{ port: 1 }] }] };
    assert.equal(render('endpoints', noAddresses).cells[1], '');
  });

  it('endpointslices', () => {
    const slice: EndpointSlice = {
      metadata: meta('web-abc12'),
      addressType: 'IPv4',
      ports: [{ port: 80 }, { name: 'metrics' }, {}, { port: 443 }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
    };
    assert.deepEqual(render('endpointslices', slice), {
      normal: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
      wide: [],
      cells: ['web-abc12', 'IPv4', '80,metrics,* + 1 more...', '10.0.0.1,10.0.0.2', '5m'],
    });
    const empty: EndpointSlice = { metadata: meta('e'), addressType: 'IPv4', endpoints: [] };
    assert.deepEqual(render('endpointslices', empty).cells.slice(2, 4), ['<unset>', '<unset>']);
  });

  it('namespaces', () => {
    const ns: Namespace = {
      metadata: { name: 'kube-system', creationTimestamp: ago(90 * MIN) },
      status: { phase: 'Terminating' },
    };
    assert.deepEqual(render('namespaces', ns), {
      normal: ['NAME', 'STATUS', 'AGE'],
      wide: [],
      cells: ['kube-system', 'Terminating', '90m'],
    });
    assert.equal(render('namespaces', { metadata: meta('fresh') }).cells[1], 'Active');
  });

  it('configmaps', () => {
    const cm: ConfigMap = { metadata: meta('settings'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
    assert.deepEqual(render('configmaps', cm), { normal: ['NAME', 'DATA', 'AGE'], wide: [], cells: ['settings', 3, '5m'] });
  });

  it('secrets', () => {
    const secret: Secret = {
      metadata: meta('tls'),
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' },
    };
    assert.deepEqual(render('secrets', secret), {
      normal: ['NAME', 'TYPE', 'DATA', 'AGE'],
      wide: [],
      cells: ['tls', 'kubernetes.io/tls', 2, '5m'],
    });
    assert.deepEqual(render('secrets', { metadata: meta('plain') } as Secret).cells.slice(1, 3), ['Opaque', 0]);
  });

  it('serviceaccounts', () => {
    const sa: ServiceAccount = { metadata: meta('default'), secrets: [{ name: 'default-token' }] };
    assert.deepEqual(render('serviceaccounts', sa), {
      normal: ['NAME', 'SECRETS', 'AGE'],
      wide: [],
      cells: ['default', 1, '5m'],
    });
  });

  it('leases', () => {
    const lease: Lease = { metadata: meta('kube-scheduler'), spec: { holderIdentity: 'cp-1_1234' } };
    assert.deepEqual(render('leases', lease), {
      normal: ['NAME', 'HOLDER', 'AGE'],
      wide: [],
      cells: ['kube-scheduler', 'cp-1_1234', '5m'],
    });
    assert.equal(render('leases.coordination.k8s.io', { metadata: meta('free') }).cells[1], '');
  });

  it('events (core/v1)', () => {
    const event: CoreEvent = {
      metadata: meta('web-0.17d'),
      involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{app}' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(60 * MIN),
      lastTimestamp: ago(2 * MIN),
      count: 12,
    };
    assert.deepEqual(render('events', event), {
      normal: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
      wide: ['SUBOBJECT', 'SOURCE', 'FIRST SEEN', 'COUNT', 'NAME'],
      cells: [
        '2m',
        'Warning',
        'BackOff',
        'pod/web-0',
        'spec.containers{app}',
        'kubelet, node-1',
        'Back-off restarting failed container',
        '60m',
        12,
        'web-0.17d',
      ],
    });
  });

  it('events: column order keeps the wide columns where upstream puts them', () => {
    const table = toTable('events', [], { now: NOW, resourceVersion: '1' });
    assert.deepEqual(
      table.columnDefinitions.map((c) => [c.name, c.priority]),
      [
        ['Last Seen', 0],
        ['Type', 0],
        ['Reason', 0],
        ['Object', 0],
        ['Subobject', 1],
        ['Source', 1],
        ['Message', 0],
        ['First Seen', 1],
        ['Count', 1],
        ['Name', 1],
      ],
    );
  });

  it('events: new-style events use eventTime, series and the reporting controller', () => {
    const event: CoreEvent = {
      metadata: meta('e1'),
      involvedObject: { kind: 'Node' },
      eventTime: new Date(NOW - 10 * MIN).toISOString().replace('Z', '000Z'),
      reportingComponent: 'node-controller',
      reason: 'RegisteredNode',
    };
    const cells = render('events', event).cells;
    assert.deepEqual([cells[0], cells[3], cells[5], cells[7], cells[8]], ['10m', 'node', 'node-controller', '10m', 1]);

    const series: CoreEvent = { ...event, series: { count: 5, lastObservedTime: ago(30_000) }, count: 2 };
    const seriesCells = render('events', series).cells;
    assert.deepEqual([seriesCells[0], seriesCells[8]], ['30s', 5]);
  });

  it('events (events.k8s.io/v1) map onto the core columns', () => {
    const event: EventsV1Event = {
      metadata: meta('web-0.17e'),
      eventTime: ago(4 * MIN),
      regarding: { kind: 'Pod', name: 'web-0' },
      note: 'Successfully assigned default/web-0 to node-1',
      reason: 'Scheduled',
      type: 'Normal',
      reportingController: 'default-scheduler',
      reportingInstance: 'default-scheduler-cp-1',
    };
    assert.deepEqual(render('events.events.k8s.io', event).cells, [
      '4m',
      'Normal',
      'Scheduled',
      'pod/web-0',
      '',
      'default-scheduler, default-scheduler-cp-1',
      'Successfully assigned default/web-0 to node-1',
      '4m',
      1,
      'web-0.17e',
    ]);
  });

  it('deployments', () => {
    const deployment: Deployment = {
      metadata: meta('web'),
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'canary'] }],
        },
        template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    assert.deepEqual(render('deployments', deployment), {
      normal: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
      cells: ['web', '2/3', 3, 2, '5m', 'app,log', 'nginx:1.27,busybox', 'app=web,env in (canary,prod)'],
    });
    const bare = render('deployments.apps', { metadata: meta('new') } as Deployment).cells;
    assert.deepEqual(bare.slice(1, 4), ['0/1', 0, 0]);
    assert.equal(bare[7], '');
  });

  it('replicasets', () => {
    const rs: ReplicaSet = {
      metadata: meta('web-5d8f'),
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } },
        template: { spec: { containers: [{ name: 'app', image: 'nginx' }] } },
      },
      status: { replicas: 3, readyReplicas: 1 },
    };
    assert.deepEqual(render('replicasets', rs), {
      normal: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
      wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
      cells: ['web-5d8f', 3, 3, 1, '5m', 'app', 'nginx', 'app=web,pod-template-hash=5d8f'],
    });
  });

  it('daemonsets', () => {
    const ds: DaemonSet = {
      metadata: meta('node-exporter'),
      spec: {
        selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
        template: {
          spec: {
            containers: [{ name: 'exporter', image: 'prom/node-exporter' }],
            nodeSelector: { 'kubernetes.io/os': 'linux' },
          },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 1,
        numberAvailable: 2,
        numberMisscheduled: 0,
      },
    };
    assert.deepEqual(render('daemonsets', ds), {
      normal: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
      wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
      cells: ['node-exporter', 3, 3, 2, 1, 2, 'kubernetes.io/os=linux', '5m', 'exporter', 'prom/node-exporter', 'app'],
    });
    const empty = render('daemonsets', { metadata: meta('d') } as DaemonSet).cells;
    assert.deepEqual([empty[6], empty[10]], ['<none>', '<none>']);
  });

  it('poddisruptionbudgets', () => {
    const pdb: PodDisruptionBudget = {
      metadata: meta('web'),
      spec: { minAvailable: '50%' },
      status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 3 },
    };
    assert.deepEqual(render('poddisruptionbudgets', pdb), {
      normal: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
      wide: [],
      cells: ['web', '50%', 'N/A', 1, '5m'],
    });
    const maxOnly: PodDisruptionBudget = { metadata: meta('p'), spec: { maxUnavailable: 1 } };
    assert.deepEqual(render('poddisruptionbudgets', maxOnly).cells.slice(1, 4), ['N/A', '1', 0]);
  });
});
