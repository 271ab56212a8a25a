import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthTarget, TargetHealth } from './health-checker.js';
import { planBackends } from './backend-plan.js';
import { LABEL_EXCLUDE_FROM_EXTERNAL_LB } from './node-eligibility.js';
import { choosePort } from './service-port.js';
import { parseServiceRef } from './types.js';
import type { Node, Service } from './types.js';

function node(name: string, ip: string, extra: { ready?: string; unschedulable?: boolean; labels?: Record<string, string> } = {}): Node {
  return {
    metadata: { name, ...(extra.labels && { labels: extra.labels }) },
    spec: { ...(extra.unschedulable && { unschedulable: true }) },
    status: { conditions: [{ type: 'Ready', status: extra.ready ?? 'True' }], addresses: [{ type: 'InternalIP', address: ip }] },
  };
}

function service(spec: Service['spec']): Service {
  return { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ...spec } };
}

const HTTP = { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 };
const nobodyHealthy = (): TargetHealth => ({ health: 'unhealthy' });

describe('planBackends', () => {
  it('Cluster policy: every Ready, schedulable, not excluded node at the node port', () => {
    const plan = planBackends({
      service: service({ ports: [HTTP] }),
      nodes: [
        node('n3', '127.0.1.3'),
        node('n1', '127.0.1.1'),
        node('n2', '127.0.1.2', { ready: 'Unknown' }),
        node('n4', '127.0.1.4', { unschedulable: true }),
        node('n5', '127.0.1.5', { labels: { [LABEL_EXCLUDE_FROM_EXTERNAL_LB]: '' } }),
      ],
      health: nobodyHealthy,
    });
    assert.equal(plan.serving, true);
    assert.deepEqual(plan.backends, [
      { host: '127.0.1.1', port: 30080 },
      { host: '127.0.1.3', port: 30080 },
    ]);
    assert.deepEqual(plan.healthTargets, []);
    assert.deepEqual(
      plan.nodes.map((n) => [n.name, n.backend, n.reason]),
      [
        ['n1', true, undefined],
        ['n2', false, 'NotReady (Ready=Unknown)'],
        ['n3', true, undefined],
        ['n4', false, 'unschedulable (cordoned)'],
        ['n5', false, `labelled ${LABEL_EXCLUDE_FROM_EXTERNAL_LB}`],
      ],
    );
  });

  it('Local policy: only eligible nodes whose health check passes, and every eligible node is probed', () => {
    const healthy = new Set(['n2']);
    const plan = planBackends({
      service: service({ ports: [HTTP], externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 }),
      nodes: [node('n1', '127.0.1.1'), node('n2', '127.0.1.2'), node('n3', '127.0.1.3', { ready: 'False' })],
      health: (t: HealthTarget) => (healthy.has(t.node) ? { health: 'healthy', last: '200' } : { health: 'unhealthy', last: '503' }),
    });
    assert.deepEqual(plan.backends, [{ host: '127.0.1.2', port: 30080 }]);
    assert.deepEqual(plan.healthTargets, [
      { node: 'n1', host: '127.0.1.1', port: 31000 },
      { node: 'n2', host: '127.0.1.2', port: 31000 },
    ]);
    assert.equal(plan.nodes.find((n) => n.name === 'n1')?.reason, 'unhealthy: health check answered 503');
    assert.equal(plan.healthCheckNodePort, 31000);
  });

  it('serves nothing, and says why, for a missing Service, another type or no usable port', () => {
    const nodes = [node('n1', '127.0.1.1')];
    const cases: [Service | undefined, RegExp][] = [
      [undefined, /does not exist/],
      [service({ type: 'NodePort', ports: [HTTP] }), /of type NodePort, not LoadBalancer/],
      [service({ ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }] }), /no TCP port/],
      [service({ ports: [{ ...HTTP, nodePort: undefined }] }), /has no nodePort/],
    ];
    for (const [svc, problem] of cases) {
      const plan = planBackends({ service: svc, nodes, health: nobodyHealthy });
      assert.equal(plan.serving, false);
      assert.deepEqual(plan.backends, []);
      assert.match(plan.problem ?? '', problem);
    }
  });
});

describe('choosePort', () => {
  const svc = service({
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
      { name: 'http', port: 80, nodePort: 30080 },
      { name: 'metrics', port: 9090, nodePort: 30090 },
    ],
  });
  it('takes the first TCP port, or the named one', () => {
    const first = choosePort(svc);
    assert.ok('port' in first);
    assert.equal(first.port.name, 'http');
    const named = choosePort(svc, 'metrics');
    assert.ok('port' in named);
    assert.equal(named.port.nodePort, 30090);
  });
  it('names the ports there are when the asked one is missing, and refuses UDP', () => {
    const missing = choosePort(svc, 'grpc');
    assert.ok('problem' in missing);
    assert.match(missing.problem, /no port named "grpc" \(its ports: dns, http, metrics\)/);
    const udp = choosePort(svc, 'dns');
    assert.ok('problem' in udp);
    assert.match(udp.problem, /is UDP/);
  });
});

describe('parseServiceRef', () => {
  it('reads namespace/name, or name in "default"', () => {
    assert.deepEqual(parseServiceRef('kube-system/dns'), { namespace: 'kube-system', name: 'dns' });
    assert.deepEqual(parseServiceRef('web'), { namespace: 'default', name: 'web' });
    for (const bad of ['a/b/c', '/web', 'Default/web', 'ns/1web', '']) assert.throws(() => parseServiceRef(bad), /NAMESPACE\/NAME/);
  });
});
