/**
 * The strategic merge patches kubectl 1.32 sends (docs/kubectl-compat.md §4.1, observed), and the
 * per-kind strategies of §4.2, applied to objects as the API server stores them (defaults filled
 * in, status written by controllers). Expected results are the live object with exactly the
 * changes upstream's semantics call for.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemaForKind } from './merge-keys.js';
import { strategicMergePatch } from './strategic-merge.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The fields the API server defaults on every container. */
const containerDefaults = {
  imagePullPolicy: 'IfNotPresent',
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

/** A Deployment as stored after create, rollout and a status update, around the given pod template spec. */
function storedDeployment(name: string, podSpec: Record<string, unknown>, extra: { finalizers?: string[] } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'default',
      uid: '6f0e6c4e-0c1f-4b55-9a53-1d1f3b1c2a10',
      resourceVersion: '4182',
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { app: name },
      annotations: {
        'deployment.kubernetes.io/revision': '1',
        [LAST_APPLIED]: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"${name}","namespace":"default"}}\n`,
      },
      ...(extra.finalizers && { finalizers: extra.finalizers }),
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
          ...podSpec,
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } } as Record<string, unknown>,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          lastUpdateTime: '2025-01-01T00:00:10Z',
          lastTransitionTime: '2025-01-01T00:00:10Z',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          lastUpdateTime: '2025-01-01T00:00:10Z',
          lastTransitionTime: '2025-01-01T00:00:00Z',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${name}-7d9c8b7f6c" has successfully progressed.`,
        },
      ],
    },
  };
}

type Deployment = ReturnType<typeof storedDeployment>;
type PodSpec = Record<string, unknown> & { containers: Record<string, unknown>[] };
const podSpecOf = (d: Deployment) => d.spec.template.spec as unknown as PodSpec;

const deploymentSchema = schemaForKind('apps/v1', 'Deployment');

describe('kubectl apply: the observed strategic merge patches on a live Deployment', () => {
  it('deploy v1 → v2: env A removed, C added, image bumped, sidecar added, replicas 3', () => {
    const live = storedDeployment('web', {
      containers: [
        { name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ...containerDefaults },
      ],
    });
    const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"web","namespace":"default"},"spec":{"replicas":3}}\n';
    const patch = {
      metadata: { annotations: { [LAST_APPLIED]: lastApplied } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }],
                env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'A' }],
                image: 'nginx:1.26',
                name: 'nginx',
              },
              { image: 'busybox', name: 'sidecar' },
            ],
          },
        },
      },
    };

    const expected = structuredClone(live);
    expected.metadata.annotations[LAST_APPLIED] = lastApplied;
    expected.spec.replicas = 3;
    podSpecOf(expected).containers = [
      { name: 'nginx', image: 'nginx:1.26', env: [{ name: 'B', value: '2' }, { name: 'C', value: '3' }], ...containerDefaults },
      { name: 'sidecar', image: 'busybox' },
    ];
    assert.deepEqual(strategicMergePatch(live, patch, deploymentSchema), expected);
  });

  it('every directive: finalizer removed, Recreate, volume source switched, mountPath changed, tolerations changed', () => {
    const live = storedDeployment(
      'app',
      {
        containers: [
          { name: 'c', image: 'busybox', args: ['a'], volumeMounts: [{ mountPath: '/data', name: 'data' }], ...containerDefaults },
        ],
        tolerations: [{ key: 'a', operator: 'Exists' }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
      { finalizers: ['example.com/a', 'example.com/b'] },
    );
    const lastApplied = '{"kind":"Deployment","metadata":{"finalizers":["example.com/b"]}}\n';
    const patch = {
      metadata: {
        '$deleteFromPrimitiveList/finalizers': ['example.com/a'],
        '$setElementOrder/finalizers': ['example.com/b'],
        annotations: { [LAST_APPLIED]: lastApplied },
      },
      spec: {
        strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }],
            '$setElementOrder/volumes': [{ name: 'data' }],
            containers: [
              {
                '$setElementOrder/volumeMounts': [{ mountPath: '/cfg' }],
                args: ['b'],
                name: 'c',
                volumeMounts: [{ mountPath: '/cfg', name: 'data' }, { $patch: 'delete', mountPath: '/data' }],
              },
            ],
            tolerations: [{ key: 'b', operator: 'Exists' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, emptyDir: null, name: 'data' }],
          },
        },
      },
    };

    const expected = structuredClone(live) as Deployment & { metadata: { finalizers: string[] } };
    expected.metadata.annotations[LAST_APPLIED] = lastApplied;
    expected.metadata.finalizers = ['example.com/b'];
    expected.spec.strategy = { type: 'Recreate' };
    const spec = podSpecOf(expected);
    spec.containers = [{ name: 'c', image: 'busybox', args: ['b'], volumeMounts: [{ mountPath: '/cfg', name: 'data' }], ...containerDefaults }];
    spec.tolerations = [{ key: 'b', operator: 'Exists' }];
    spec.volumes = [{ name: 'data', configMap: { name: 'cfg' } }];
    assert.deepEqual(strategicMergePatch(live, patch, deploymentSchema), expected);
  });

  it('keeps containers and volumes someone else added (an injected proxy) through the same patch', () => {
    const live = storedDeployment('app', {
      containers: [
        { name: 'c', image: 'busybox', args: ['a'], volumeMounts: [{ mountPath: '/data', name: 'data' }] },
        { name: 'istio-proxy', image: 'proxyv2' },
      ],
      volumes: [{ name: 'istio-envoy', emptyDir: {} }, { name: 'data', emptyDir: {} }],
    });
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }],
            '$setElementOrder/volumes': [{ name: 'data' }],
            containers: [{ args: ['b'], name: 'c' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' }, emptyDir: null, name: 'data' }],
          },
        },
      },
    };
    const result = strategicMergePatch(live, patch, deploymentSchema) as Deployment;
    assert.deepEqual(podSpecOf(result).containers, [
      { name: 'c', image: 'busybox', args: ['b'], volumeMounts: [{ mountPath: '/data', name: 'data' }] },
      { name: 'istio-proxy', image: 'proxyv2' },
    ]);
    assert.deepEqual(podSpecOf(result).volumes, [{ name: 'istio-envoy', emptyDir: {} }, { name: 'data', configMap: { name: 'cfg' } }]);
  });
});

describe('kubectl apply and patch: Deployment fields', () => {
  const live = () =>
    storedDeployment('web', {
      containers: [
        {
          name: 'app',
          image: 'app:1',
          env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }],
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
        },
      ],
    });
  const containersOf = (result: unknown) => podSpecOf(result as Deployment).containers;

  it('removes one env element with {"$patch": "delete"}', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', env: [{ $patch: 'delete', name: 'B' }] }] } } } };
    assert.deepEqual(containersOf(strategicMergePatch(live(), patch, deploymentSchema))[0]?.env, [
      { name: 'A', value: '1' },
      { name: 'C', value: '3' },
    ]);
  });

  it('adds a container where $setElementOrder puts it (before or after the existing one)', () => {
    const added = { name: 'log-shipper', image: 'fluent-bit:3' };
    const before = { '$setElementOrder/containers': [{ name: 'log-shipper' }, { name: 'app' }], containers: [added] };
    const after = { '$setElementOrder/containers': [{ name: 'app' }, { name: 'log-shipper' }], containers: [added] };
    const namesOf = (result: unknown) => containersOf(result).map((c) => c.name);
    assert.deepEqual(namesOf(strategicMergePatch(live(), { spec: { template: { spec: before } } }, deploymentSchema)), ['log-shipper', 'app']);
    assert.deepEqual(namesOf(strategicMergePatch(live(), { spec: { template: { spec: after } } }, deploymentSchema)), ['app', 'log-shipper']);
    assert.deepEqual(containersOf(strategicMergePatch(live(), { spec: { template: { spec: after } } }, deploymentSchema))[1], added);
  });

  it('orders a replaced container as upstream when a live-only container sits between (delete + add in one patch)', () => {
    // Upstream's "add map and delete map from merging list": the injected proxy keeps its place
    // before the new container, because upstream orders against the live list as edited in place.
    const current = storedDeployment('web', {
      containers: [{ name: 'app' }, { name: 'old-sidecar' }, { name: 'istio-proxy' }],
    });
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'new-sidecar' }],
            containers: [{ name: 'new-sidecar', image: 'x' }, { $patch: 'delete', name: 'old-sidecar' }],
          },
        },
      },
    };
    assert.deepEqual(containersOf(strategicMergePatch(current, patch, deploymentSchema)), [
      { name: 'app' },
      { name: 'istio-proxy' },
      { name: 'new-sidecar', image: 'x' },
    ]);
  });

  it('switches the strategy from RollingUpdate to Recreate with $retainKeys', () => {
    const patch = { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } };
    const result = strategicMergePatch(live(), patch, deploymentSchema) as Deployment;
    assert.deepEqual(result.spec.strategy, { type: 'Recreate' });
  });

  it('switches back from Recreate to RollingUpdate', () => {
    const current = live();
    current.spec.strategy = { type: 'Recreate' };
    const patch = { spec: { strategy: { $retainKeys: ['rollingUpdate', 'type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const result = strategicMergePatch(current, patch, deploymentSchema) as Deployment;
    assert.deepEqual(result.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } });
  });

  it('switches a volume from emptyDir to configMap with $retainKeys, leaving other volumes alone', () => {
    const current = storedDeployment('web', {
      containers: [{ name: 'app' }],
      volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'tmp', emptyDir: {} }],
    });
    const patch = {
      spec: { template: { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cfg' }, emptyDir: null }] } } },
    };
    const result = strategicMergePatch(current, patch, deploymentSchema) as Deployment;
    assert.deepEqual(podSpecOf(result).volumes, [{ name: 'data', configMap: { name: 'cfg' } }, { name: 'tmp', emptyDir: {} }]);
  });

  it('replaces tolerations whole: the list is atomic', () => {
    const current = storedDeployment('web', {
      containers: [{ name: 'app' }],
      tolerations: [
        { key: 'a', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    });
    const patch = { spec: { template: { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } } } };
    const result = strategicMergePatch(current, patch, deploymentSchema) as Deployment;
    assert.deepEqual(podSpecOf(result).tolerations, [{ key: 'a', operator: 'Exists' }]);
  });

  it('merges container ports by containerPort', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080, name: 'http' }] }] } } } };
    assert.deepEqual(containersOf(strategicMergePatch(live(), patch, deploymentSchema))[0]?.ports, [
      { containerPort: 8080, protocol: 'TCP', name: 'http' },
    ]);
  });

  it('removes a label with null and adds a template annotation (kubectl rollout restart)', () => {
    const patch = {
      metadata: { labels: { app: null, team: 'payments' } },
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-02T00:00:00Z' } } } },
    };
    const result = strategicMergePatch(live(), patch, deploymentSchema) as Deployment;
    assert.deepEqual(result.metadata.labels, { team: 'payments' });
    assert.deepEqual(result.spec.template.metadata, {
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-02T00:00:00Z' },
    });
  });

  it('replaces the template labels with "$patch": "replace"', () => {
    const patch = { spec: { template: { metadata: { labels: { $patch: 'replace', app: 'web', version: 'v2' } } } } };
    const result = strategicMergePatch(live(), patch, deploymentSchema) as Deployment;
    assert.deepEqual(result.spec.template.metadata.labels, { app: 'web', version: 'v2' });
  });

  it('merges status.conditions by type (a controller updating Progressing)', () => {
    const patch = {
      status: {
        conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2025-01-02T00:00:00Z' }],
      },
    };
    const result = strategicMergePatch(live(), patch, deploymentSchema) as Deployment;
    const [available, progressing] = result.status.conditions;
    assert.equal(result.status.conditions.length, 2);
    assert.equal(available?.type, 'Available');
    assert.equal(progressing?.reason, 'ReplicaSetUpdated');
    assert.equal(progressing?.lastTransitionTime, '2025-01-01T00:00:00Z');
  });
});

describe('strategies of other kinds', () => {
  it('Service: merges spec.ports by port', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.12',
        clusterIPs: ['10.96.0.12'],
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
        ],
      },
    };
    const patch = {
      spec: {
        '$setElementOrder/ports': [{ port: 80 }, { port: 443 }, { port: 9090 }],
        ports: [{ port: 80, targetPort: 9080 }, { name: 'metrics', port: 9090, targetPort: 9090 }],
      },
    };
    const result = strategicMergePatch(live, patch, schemaForKind('v1', 'Service')) as typeof live;
    assert.deepEqual(result.spec.ports, [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 9080 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ]);
    assert.deepEqual(result.spec.clusterIPs, ['10.96.0.12']);
  });

  it('Pod: merges status.conditions by type and keeps their order (a kubelet status patch)', () => {
    const condition = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:00Z' });
    const live = {
      metadata: { name: 'web-0', namespace: 'default' },
      status: {
        phase: 'Pending',
        conditions: [condition('PodScheduled', 'True'), condition('Initialized', 'True'), condition('ContainersReady', 'False'), condition('Ready', 'False')],
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
      },
    };
    const patch = {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'ContainersReady', status: 'True', lastTransitionTime: '2025-01-01T00:00:05Z' },
          { type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:05Z' },
        ],
        podIPs: [{ ip: 'fd00::5' }],
      },
    };
    const result = strategicMergePatch(live, patch, schemaForKind('v1', 'Pod')) as typeof live;
    assert.equal(result.status.phase, 'Running');
    assert.deepEqual(result.status.conditions, [
      condition('PodScheduled', 'True'),
      condition('Initialized', 'True'),
      { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' },
      { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' },
    ]);
    // podIPs merge by ip: the new address is added (first, as upstream places new elements).
    assert.deepEqual(result.status.podIPs, [{ ip: 'fd00::5' }, { ip: '10.244.0.5' }]);
  });

  it('Node: merges status conditions and addresses by type, spec.podCIDRs as a set', () => {
    const live = {
      metadata: { name: 'node-1' },
      spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2025-01-01T00:00:00Z' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: '2025-01-01T00:00:00Z' },
        ],
        addresses: [
          { type: 'InternalIP', address: '192.168.1.10' },
          { type: 'Hostname', address: 'node-1' },
        ],
      },
    };
    const patch = {
      spec: { podCIDRs: ['10.244.1.0/24', 'fd00:1::/64'], taints: [] },
      status: {
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2025-01-01T00:00:40Z' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.11' }],
      },
    };
    const result = strategicMergePatch(live, patch, schemaForKind('v1', 'Node')) as typeof live;
    assert.deepEqual(result.spec, { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:1::/64'], taints: [] });
    assert.deepEqual(result.status.conditions, [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2025-01-01T00:00:00Z' },
      { type: 'Ready', status: 'True', lastHeartbeatTime: '2025-01-01T00:00:40Z' },
    ]);
    assert.deepEqual(result.status.addresses, [
      { type: 'InternalIP', address: '192.168.1.11' },
      { type: 'Hostname', address: 'node-1' },
    ]);
  });

  it('ConfigMap: drops a finalizer with $deleteFromPrimitiveList and merges data key by key', () => {
    const live = {
      metadata: { name: 'cfg', finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] },
      data: { 'a.conf': 'x', 'b.conf': 'y' },
    };
    const patch = { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/b'] }, data: { 'a.conf': null, 'c.conf': 'z' } };
    assert.deepEqual(strategicMergePatch(live, patch, schemaForKind('v1', 'ConfigMap')), {
      metadata: { name: 'cfg', finalizers: ['example.com/a', 'example.com/c'] },
      data: { 'b.conf': 'y', 'c.conf': 'z' },
    });
  });

  it('ReplicaSet: merges ownerReferences by uid', () => {
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true };
    const live = { metadata: { name: 'web-1', ownerReferences: [owner] } };
    const patch = { metadata: { ownerReferences: [{ uid: 'u-1', blockOwnerDeletion: false }] } };
    assert.deepEqual(strategicMergePatch(live, patch, schemaForKind('apps/v1', 'ReplicaSet')), {
      metadata: { name: 'web-1', ownerReferences: [{ ...owner, blockOwnerDeletion: false }] },
    });
  });

  it('PodDisruptionBudget: replaces spec.selector instead of merging it', () => {
    const live = {
      metadata: { name: 'pdb' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] } },
    };
    const patch = { spec: { selector: { matchLabels: { app: 'b' } } } };
    assert.deepEqual(strategicMergePatch(live, patch, schemaForKind('policy/v1', 'PodDisruptionBudget')), {
      metadata: { name: 'pdb' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'b' } } },
    });
  });

  it('ServiceAccount: merges secrets by name, replaces imagePullSecrets', () => {
    const live = { metadata: { name: 'sa' }, secrets: [{ name: 'token-a' }], imagePullSecrets: [{ name: 'reg-a' }] };
    const patch = { secrets: [{ name: 'token-b' }], imagePullSecrets: [{ name: 'reg-b' }] };
    assert.deepEqual(strategicMergePatch(live, patch, schemaForKind('v1', 'ServiceAccount')), {
      metadata: { name: 'sa' },
      secrets: [{ name: 'token-b' }, { name: 'token-a' }],
      imagePullSecrets: [{ name: 'reg-b' }],
    });
  });

  it('EndpointSlice: replaces endpoints whole (atomic)', () => {
    const live = { metadata: { name: 'web-abc' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] };
    const patch = { endpoints: [{ addresses: ['10.0.0.3'] }] };
    assert.deepEqual(strategicMergePatch(live, patch, schemaForKind('discovery.k8s.io/v1', 'EndpointSlice')), {
      metadata: { name: 'web-abc' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.3'] }],
    });
  });
});
