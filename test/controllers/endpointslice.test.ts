/**
 * The EndpointSlice and Endpoints controllers against a real API server. No node agent runs the
 * pods: the test plays its part by writing each pod's IP and Ready condition through pods/status.
 */
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { Endpoints, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';
import { EndpointsController } from '../../src/controllers/endpoints/controller.js';
import { InformerFactory } from '../../src/controllers/common/informers.js';
import { EndpointSliceController } from '../../src/controllers/endpointslice/controller.js';
import { createLogger } from '../../src/log.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';

type Obj<T> = T & KubeObject;
let cluster: TestCluster;
let client: RestClient;
const stop = new AbortController();
// Two controllers and their informers listen on it.
setMaxListeners(100, stop.signal);
let controllers: Promise<void>[] = [];

const pods = () => client.resource<Obj<Pod>>('', 'v1', 'pods');
const services = () => client.resource<Obj<Service>>('', 'v1', 'services');
const slicesOf = async (service: string, namespace = 'default') =>
  (await client.resource<Obj<EndpointSlice>>('discovery.k8s.io', 'v1', 'endpointslices').list({ namespace, labelSelector: `kubernetes.io/service-name=${service}` })).items;
const endpointsOf = (name: string, namespace = 'default') => client.resource<Obj<Endpoints>>('', 'v1', 'endpoints').get(name, { namespace });

before(async () => {
  cluster = await startTestCluster();
  client = new RestClient({ config: await loadKubeconfig({ path: cluster.api.kubeconfigPath }) });
  const log = createLogger('test');
  const informers = new InformerFactory(client, log);
  controllers = [new EndpointSliceController({ client, informers, log }).run(stop.signal), new EndpointsController({ client, informers, log }).run(stop.signal), informers.run(stop.signal)];
  const nodes = client.resource<Obj<Node>>('', 'v1', 'nodes');
  for (const [name, zone] of [['node-a', 'zone-a'], ['node-b', 'zone-b']] as const) {
    const node = await nodes.create({ metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } } });
    await nodes.updateStatus({ ...node, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4' } } });
  }
});
after(async () => {
  stop.abort();
  await Promise.all(controllers);
  client?.close();
  await cluster?.close();
});

let nextIP = 10;
/** Creates a pod on `node` and, as its node agent would, reports it running with an IP and (maybe) Ready. */
async function runPod(name: string, labels: Record<string, string>, node: string, options: { ready?: boolean; namespace?: string; portName?: string; port?: number } = {}): Promise<Obj<Pod>> {
  const namespace = options.namespace ?? 'default';
  const created = await pods().create({
    metadata: { name, namespace, labels },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'tskube/echo', ports: [{ name: options.portName ?? 'http', containerPort: options.port ?? 8080 }] }] },
  });
  const ip = `10.244.${Math.floor(nextIP / 250)}.${(nextIP++ % 250) + 1}`;
  return pods().updateStatus({
    ...created,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  });
}

async function createService(name: string, spec: Service['spec'], annotations?: Record<string, string>): Promise<Obj<Service>> {
  return services().create({ metadata: { name, namespace: 'default', ...(annotations && { annotations }) }, spec: { selector: { app: name }, ...spec } });
}

describe('EndpointSlice controller', () => {
  it('publishes ready and not-ready pods with node, zone, targetRef and ports resolved per pod', async () => {
    const svc = await createService('web', { ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    const a = await runPod('web-a', { app: 'web' }, 'node-a');
    const b = await runPod('web-b', { app: 'web' }, 'node-b', { ready: false });
    // Same named port, different number: its own slice with its own port set.
    const c = await runPod('web-c', { app: 'web' }, 'node-b', { port: 9090 });
    // A pod without the named port serves none of the Service's ports.
    await runPod('web-d', { app: 'web' }, 'node-a', { portName: 'other' });
    await runPod('unrelated', { app: 'other' }, 'node-a');
    let slices: Obj<EndpointSlice>[] = [];
    await eventually(async () => {
      slices = await slicesOf('web');
      return slices.reduce((n, s) => n + (s.endpoints ?? []).length, 0) === 4;
    }, 10_000, 'four endpoints in slices of web');
    const byPort = new Map(slices.map((s) => [JSON.stringify(s.ports), s]));
    const on8080 = byPort.get(JSON.stringify([{ name: 'http', port: 8080, protocol: 'TCP' }]))!;
    assert.ok(on8080, JSON.stringify(slices.map((s) => s.ports)));
    assert.equal(on8080.addressType, 'IPv4');
    assert.equal(on8080.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(on8080.metadata?.generateName, 'web-');
    assert.deepEqual(on8080.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]), [['Service', 'web', svc.metadata!.uid, true]]);
    const epA = on8080.endpoints.find((e) => e.targetRef?.name === 'web-a')!;
    assert.deepEqual(epA, {
      addresses: [a.status!.podIP!],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-a', uid: a.metadata!.uid },
      nodeName: 'node-a',
      zone: 'zone-a',
    });
    const epB = on8080.endpoints.find((e) => e.targetRef?.name === 'web-b')!;
    assert.deepEqual(epB.conditions, { ready: false, serving: false, terminating: false });
    const on9090 = byPort.get(JSON.stringify([{ name: 'http', port: 9090, protocol: 'TCP' }]))!;
    assert.deepEqual(on9090.endpoints.map((e) => e.addresses[0]), [c.status!.podIP]);
    assert.ok(byPort.get('[]'), 'the pod without the port is in a slice without ports');
    void b;

    // The legacy Endpoints mirror the same pods.
    let eps: Obj<Endpoints> | undefined;
    await eventually(async () => {
      eps = await endpointsOf('web').catch(() => undefined);
      return (eps?.subsets ?? []).length === 2;
    }, 10_000, 'Endpoints web');
    const subset8080 = eps!.subsets!.find((s) => s.ports?.[0]?.port === 8080)!;
    assert.deepEqual(subset8080.addresses?.map((x) => [x.ip, x.nodeName, x.targetRef?.name]), [[a.status!.podIP, 'node-a', 'web-a']]);
    assert.deepEqual(subset8080.notReadyAddresses?.map((x) => x.targetRef?.name), ['web-b']);
    assert.deepEqual(subset8080.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const got = await cluster.kubectl(['get', 'endpoints', 'web']);
    assert.match(got.stdout, /web\s+10\.244\.\d+\.\d+:8080,10\.244\.\d+\.\d+:9090/);
  });

  it('keeps a terminating pod as a terminating endpoint, then drops it; updates the slice in place', async () => {
    await createService('drain', { ports: [{ port: 80, targetPort: 8080 }] });
    const pod = await runPod('drain-a', { app: 'drain' }, 'node-a');
    await runPod('drain-b', { app: 'drain' }, 'node-b');
    let before: Obj<EndpointSlice> | undefined;
    await eventually(async () => {
      before = (await slicesOf('drain'))[0];
      return before?.endpoints?.length === 2;
    });
    // A pod on a node is deleted gracefully: it stays, with a deletionTimestamp, until its agent confirms.
    await pods().delete('drain-a', { namespace: 'default', gracePeriodSeconds: 30 });
    await eventually(async () => {
      const [slice] = await slicesOf('drain');
      const ep = slice?.endpoints.find((e) => e.targetRef?.name === 'drain-a');
      return ep?.conditions?.terminating === true && ep.conditions.ready === false && ep.conditions.serving === true;
    }, 10_000, 'a terminating, serving, not-ready endpoint');
    const [during] = await slicesOf('drain');
    assert.equal(during!.metadata?.name, before!.metadata?.name, 'the same slice, updated in place');
    // Not in the legacy Endpoints at all (upstream's endpoints controller drops terminating pods).
    await eventually(async () => JSON.stringify((await endpointsOf('drain')).subsets).includes('drain-a') === false);
    await pods().delete('drain-a', { namespace: 'default', gracePeriodSeconds: 0 });
    await eventually(async () => (await slicesOf('drain'))[0]?.endpoints?.length === 1);
    assert.equal((await slicesOf('drain'))[0]!.metadata?.name, before!.metadata?.name);
    void pod;
  });

  it('splits more than 100 endpoints into slices of at most 100', async () => {
    await client.resource('', 'v1', 'namespaces').create({ metadata: { name: 'big' } });
    await services().create({ metadata: { name: 'big', namespace: 'big' }, spec: { selector: { app: 'big' }, ports: [{ port: 80, targetPort: 8080 }] } });
    for (let i = 0; i < 230; i += 23) {
      await Promise.all(Array.from({ length: 23 }, (_, j) => runPod(`big-${i + j}`, { app: 'big' }, j % 2 ? 'node-a' : 'node-b', { namespace: 'big' })));
    }
    let slices: Obj<EndpointSlice>[] = [];
    await eventually(async () => {
      slices = await slicesOf('big', 'big');
      return slices.reduce((n, s) => n + s.endpoints.length, 0) === 230;
    }, 20_000, '230 endpoints');
    assert.equal(slices.length, 3);
    assert.ok(slices.every((s) => s.endpoints.length <= 100));
    const ips = slices.flatMap((s) => s.endpoints.map((e) => e.addresses[0]));
    assert.equal(new Set(ips).size, 230);
  });

  it('hints each endpoint to its own zone for trafficDistribution PreferClose, and shares them out for topology-mode Auto', async () => {
    await createService('close', { ports: [{ port: 80, targetPort: 8080 }], trafficDistribution: 'PreferClose' });
    await runPod('close-a', { app: 'close' }, 'node-a');
    await runPod('close-b', { app: 'close' }, 'node-b');
    await eventually(async () => ((await slicesOf('close'))[0]?.endpoints ?? []).filter((e) => e.hints).length === 2);
    const [slice] = await slicesOf('close');
    for (const ep of slice!.endpoints) assert.deepEqual(ep.hints, { forZones: [{ name: ep.zone! }] });

    // Auto: 3 endpoints in zone-a, 1 in zone-b, equal CPU per zone → 2 and 2.
    await createService('auto', { ports: [{ port: 80, targetPort: 8080 }] }, { 'service.kubernetes.io/topology-mode': 'Auto' });
    for (const [i, node] of ['node-a', 'node-a', 'node-a', 'node-b'].entries()) await runPod(`auto-${i}`, { app: 'auto' }, node);
    await eventually(async () => ((await slicesOf('auto'))[0]?.endpoints ?? []).filter((e) => e.hints).length === 4, 10_000, 'four hinted endpoints');
    const hinted = (await slicesOf('auto'))[0]!.endpoints.map((e) => e.hints!.forZones![0]!.name);
    assert.equal(hinted.filter((z) => z === 'zone-a').length, 2);
    assert.equal(hinted.filter((z) => z === 'zone-b').length, 2);
  });

  it('removes the slices and Endpoints of a deleted Service', async () => {
    await createService('gone', { ports: [{ port: 80 }] });
    await runPod('gone-a', { app: 'gone' }, 'node-a');
    await eventually(async () => (await slicesOf('gone')).length === 1 && (await endpointsOf('gone').catch(() => undefined)) !== undefined);
    await services().delete('gone', { namespace: 'default' });
    await eventually(async () => (await slicesOf('gone')).length === 0 && (await endpointsOf('gone').catch(() => undefined)) === undefined, 10_000, 'slices and endpoints gone');
  });
});
