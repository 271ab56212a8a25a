/**
 * Services in the API server: cluster IPs and node ports are allocated exactly (also by two
 * stores on one KV), released on delete, kept on update; defaults and validation (incl. the
 * seed's topologyKeys) read as upstream's through real kubectl; `kubectl get svc` columns.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { ApiError } from '../../src/api/errors.js';
import type { KubeObject, StoredObject } from '../../src/api/object.js';
import { Registry } from '../../src/registry/registry.js';
import { SERVICE_IPS_PREFIX } from '../../src/registry/service/allocation.js';
import { MemoryKV } from '../../src/storage/memory/memory-kv.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startTestCluster();
});
after(async () => {
  await cluster?.close();
});

const services = (registry: Registry) => registry.store('', 'v1', 'services')!;
/** A registry over `kv` with the default namespaces, as an API server has it. */
async function serviceStore(kv: MemoryKV, serviceClusterIPRange?: string) {
  const registry = new Registry(kv, { ...(serviceClusterIPRange && { services: { serviceClusterIPRange } }) });
  await registry.ensureDefaultNamespaces().catch(() => undefined);
  return services(registry);
}
const svc = (name: string, spec: Service['spec'] = {}): KubeObject => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } }) as KubeObject;
const specOf = (obj: StoredObject) => (obj as Service).spec!;

async function kubectl(args: string[], input?: string) {
  return cluster.kubectl(args, input);
}

describe('service allocation', () => {
  it('gives sequential creates distinct IPs from the range, honours an explicit IP, and rejects a taken one', async () => {
    const store = await serviceStore(new MemoryKV(), '10.96.0.0/24');
    const ips = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const created = await store.create('default', svc(`s${i}`));
      const ip = specOf(created).clusterIP!;
      assert.match(ip, /^10\.96\.0\.\d+$/);
      assert.deepEqual(specOf(created).clusterIPs, [ip]);
      ips.add(ip);
    }
    assert.equal(ips.size, 20);
    // From the static band (the range's first 16 addresses), which random allocation leaves
    // alone while the rest has room, as upstream's: so none of the 20 above can have taken it.
    const explicit = await store.create('default', svc('explicit', { clusterIP: '10.96.0.10' }));
    assert.equal(specOf(explicit).clusterIP, '10.96.0.10');
    await assert.rejects(store.create('default', svc('taken', { clusterIP: '10.96.0.10' })), (err: ApiError) => {
      assert.equal(err.code, 422);
      assert.match(err.message, /spec\.clusterIPs: Invalid value: \[\]string\{"10\.96\.0\.10"\}: failed to allocate IP 10\.96\.0\.10: provided IP is already allocated/);
      return true;
    });
    await assert.rejects(store.create('default', svc('outside', { clusterIP: '10.0.0.1' })), /failed to allocate IP 10\.0\.0\.1: the provided IP is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/24/);
  });

  it('releases an IP on delete so it can be used again, and keeps it across updates', async () => {
    const kv = new MemoryKV();
    const store = await serviceStore(kv, '10.96.0.0/24');
    await store.create('default', svc('a', { clusterIP: '10.96.0.50' }));
    assert.ok((await kv.get(`${SERVICE_IPS_PREFIX}10.96.0.50`)).kv);
    // An update that leaves clusterIP out keeps the allocated one.
    const updated = await store.update('default', 'a', svc('a', { ports: [{ port: 81 }] }));
    assert.equal(specOf(updated).clusterIP, '10.96.0.50');
    await assert.rejects(store.update('default', 'a', svc('a', { clusterIP: '10.96.0.51' })), /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.0\.51"\}: may not change once set/);
    await store.delete('default', 'a');
    assert.equal((await kv.get(`${SERVICE_IPS_PREFIX}10.96.0.50`)).kv, undefined);
    const again = await store.create('default', svc('b', { clusterIP: '10.96.0.50' }));
    assert.equal(specOf(again).clusterIP, '10.96.0.50');
  });

  it('never hands out one IP twice from two registries on one KV', async () => {
    const kv = new MemoryKV();
    // A /28 has 14 usable addresses: 14 concurrent creates through two stores must get them all, once each.
    const a = await serviceStore(kv, '10.96.0.0/28');
    const b = await serviceStore(kv, '10.96.0.0/28');
    const created = await Promise.all(Array.from({ length: 14 }, (_, i) => (i % 2 ? a : b).create('default', svc(`c${i}`))));
    const ips = created.map((o) => specOf(o).clusterIP);
    assert.equal(new Set(ips).size, 14);
    await assert.rejects(a.create('default', svc('full')), (err: ApiError) => err.code === 500 && /range is full/.test(err.message));
  });

  it('allocates node ports in 30000-32767, a health check port for LoadBalancer+Local, and frees them on type change', async () => {
    const kv = new MemoryKV();
    const store = await serviceStore(kv);
    const np = await store.create('default', svc('np', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'explicit', port: 81, nodePort: 30081 }] }));
    const ports = specOf(np).ports!;
    assert.ok(ports[0]!.nodePort! >= 30000 && ports[0]!.nodePort! <= 32767);
    assert.equal(ports[1]!.nodePort, 30081);
    assert.equal(specOf(np).externalTrafficPolicy, 'Cluster');
    await assert.rejects(store.create('default', svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30081 }] })), /spec\.ports\[0\]\.nodePort: Invalid value: 30081: provided port is already allocated/);
    await assert.rejects(store.create('default', svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 1000 }] })), /provided port is not in the valid range\. The range of valid ports is 30000-32767/);
    const lb = await store.create('default', svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    assert.ok(specOf(lb).healthCheckNodePort! >= 30000);
    // NodePort → ClusterIP: the node ports go back to the pool.
    const back = await store.update('default', 'np', { ...np, spec: { ...specOf(np), type: 'ClusterIP' } } as KubeObject);
    assert.equal(specOf(back).ports!.some((p) => p.nodePort), false);
    assert.equal((await kv.get('/registry/tskube/servicenodeports/30081')).kv, undefined);
  });

  it('defaults as upstream: headless gets no IP, ExternalName no IP fields, ClientIP affinity its timeout', async () => {
    const store = await serviceStore(new MemoryKV());
    const headless = specOf(await store.create('default', svc('h', { clusterIP: 'None' })));
    assert.deepEqual([headless.clusterIP, headless.clusterIPs, headless.ipFamilies, headless.ipFamilyPolicy], ['None', ['None'], ['IPv4'], 'SingleStack']);
    const ext = specOf(await store.create('default', { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } } as KubeObject));
    assert.equal(ext.clusterIP, undefined);
    assert.equal(ext.ipFamilies, undefined);
    const sticky = specOf(await store.create('default', svc('sticky', { sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 'http' }] })));
    assert.equal(sticky.sessionAffinityConfig?.clientIP?.timeoutSeconds, 10800);
    assert.deepEqual(sticky.ports, [{ port: 80, targetPort: 'http', protocol: 'TCP' }]);
    assert.equal(sticky.internalTrafficPolicy, 'Cluster');
  });
});

describe('the kubernetes Service', () => {
  it('exists at start with the first IP of the default range, and its endpoints point at the API server', async () => {
    const res = await kubectl(['get', 'svc', 'kubernetes', '-n', 'default', '-o', 'json']);
    assert.equal(res.status, 0, res.stderr);
    const service = JSON.parse(res.stdout) as Service;
    assert.equal(service.spec?.clusterIP, '127.96.0.1');
    const port = Number(new URL(cluster.api.url).port);
    const eps = await kubectl(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}']);
    assert.equal(eps.stdout, `127.0.0.1:${port}`);
  });
});

const manifest = (name: string, extra: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
  - port: 80
${extra}`;

describe('validation through kubectl', () => {
  it('accepts topologyKeys under strict field validation and serves them back', async () => {
    const res = await kubectl(['apply', '-f', '-'], manifest('topo', '  topologyKeys: ["kubernetes.io/hostname", "topology.kubernetes.io/zone", "*"]\n'));
    assert.equal(res.status, 0, res.stderr);
    const got = await kubectl(['get', 'svc', 'topo', '-o', 'jsonpath={.spec.topologyKeys}']);
    assert.equal(got.stdout, '["kubernetes.io/hostname","topology.kubernetes.io/zone","*"]');
    const created = await kubectl(['create', '-f', '-'], manifest('topo2', '  topologyKeys: ["*"]\n'));
    assert.equal(created.status, 0, created.stderr);
    const explain = await kubectl(['explain', 'service.spec.topologyKeys']);
    assert.match(explain.stdout, /preference-order list of node label keys/);
  });

  it('reports 1.17\'s messages for bad topologyKeys', async () => {
    const bad = await kubectl(['apply', '-f', '-'], manifest('bad1', '  topologyKeys: ["*", "kubernetes.io/hostname", "kubernetes.io/hostname", "bad key!"]\n'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /The Service "bad1" is invalid: /);
    assert.match(bad.stderr, /spec\.topologyKeys\[0\]: Invalid value: "\*": "\*" must be the last value specified/);
    assert.match(bad.stderr, /spec\.topologyKeys\[2\]: Duplicate value: "kubernetes\.io\/hostname"/);
    assert.match(bad.stderr, /spec\.topologyKeys\[3\]: Invalid value: \[\]string\{"\*", "kubernetes\.io\/hostname", "kubernetes\.io\/hostname", "bad key!"\}: name part must consist of alphanumeric characters/);
    const local = await kubectl(['apply', '-f', '-'], manifest('bad2', '  type: NodePort\n  externalTrafficPolicy: Local\n  topologyKeys: ["kubernetes.io/hostname"]\n'));
    assert.match(local.stderr, /spec\.topologyKeys: Forbidden: may not be specified when `externalTrafficPolicy=Local`/);
    const keys = JSON.stringify(Array.from({ length: 17 }, (_, i) => `k${i}`));
    const many = await kubectl(['apply', '-f', '-'], manifest('bad3', `  topologyKeys: ${keys}\n`));
    assert.match(many.stderr, /spec\.topologyKeys: Too many: 17: must have at most 16 items/);
    const dist = await kubectl(['apply', '-f', '-'], manifest('bad4', '  trafficDistribution: Anywhere\n'));
    assert.match(dist.stderr, /spec\.trafficDistribution: Unsupported value: "Anywhere": supported values: "PreferClose"/);
  });

  it('reports a taken clusterIP with upstream\'s message', async () => {
    const first = await kubectl(['apply', '-f', '-'], manifest('ip1', '  clusterIP: 127.96.5.5\n'));
    assert.equal(first.status, 0, first.stderr);
    const second = await kubectl(['apply', '-f', '-'], manifest('ip2', '  clusterIP: 127.96.5.5\n'));
    assert.match(second.stderr, /The Service "ip2" is invalid: spec\.clusterIPs: Invalid value: \[\]string\{"127\.96\.5\.5"\}: failed to allocate IP 127\.96\.5\.5: provided IP is already allocated/);
  });
});

describe('kubectl get svc', () => {
  it('prints TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as upstream', async () => {
    const res = await kubectl(['apply', '-f', '-'], manifest('web', '  type: NodePort\n  clusterIP: 127.96.7.7\n  ports:\n  - port: 80\n    nodePort: 30080\n').replace('  ports:\n  - port: 80\n  type', '  type'));
    assert.equal(res.status, 0, res.stderr);
    await kubectl(['apply', '-f', '-'], manifest('lb', '  type: LoadBalancer\n'));
    const out = (await kubectl(['get', 'svc', 'web', 'lb', 'kubernetes'])).stdout;
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    assert.match(out, /\nweb\s+NodePort\s+127\.96\.7\.7\s+<none>\s+80:30080\/TCP\s+\d+s/);
    assert.match(out, /\nlb\s+LoadBalancer\s+127\.\d+\.\d+\.\d+\s+<pending>\s+80:3\d{4}\/TCP\s+/);
    assert.match(out, /\nkubernetes\s+ClusterIP\s+127\.96\.0\.1\s+<none>\s+443\/TCP\s+/);
  });
});
