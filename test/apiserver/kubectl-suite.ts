/**
 * @module test/apiserver/kubectl-suite
 *
 * The installed kubectl (1.32) against a tskube API server: what a user types, and what they see.
 * Run once per storage engine (kubectl-sqlite.test.ts, kubectl-etcd.test.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KV } from '../../src/storage/interface.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';

let cluster: TestCluster;

async function ok(args: string[], input?: string): Promise<string> {
  const res = await cluster.kubectl(args, input);
  assert.equal(res.status, 0, `kubectl ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

async function fails(args: string[]): Promise<string> {
  const res = await cluster.kubectl(args);
  assert.notEqual(res.status, 0, `kubectl ${args.join(' ')} should have failed`);
  return res.stderr;
}

const deployment = (replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: echo
        image: tskube/echo
${extra}`;

export function runKubectlSuite(engine: string, openKV: () => Promise<KV>): void {
  describe(`kubectl against tskube on ${engine}`, () => {
    before(async () => {
      cluster = await startTestCluster({ kv: await openKV() });
    });
    after(() => cluster?.close());

    it('reports server version 1.32', async () => {
      const version = JSON.parse(await ok(['version', '-o', 'json'])) as { serverVersion: { major: string; minor: string } };
      assert.equal(version.serverVersion.major, '1');
      assert.equal(version.serverVersion.minor, '32');
    });

    it('lists api-resources and api-versions from discovery', async () => {
      const resources = await ok(['api-resources']);
      assert.match(resources, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/m);
      assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
      assert.match(resources, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease/m);
      const versions = await ok(['api-versions']);
      for (const gv of ['v1', 'apps/v1', 'discovery.k8s.io/v1', 'coordination.k8s.io/v1', 'events.k8s.io/v1', 'policy/v1']) {
        assert.ok(versions.split('\n').includes(gv), `api-versions lacks ${gv}`);
      }
    });

    it('starts with the default namespaces, printed with upstream columns', async () => {
      const out = await ok(['get', 'namespaces']);
      assert.match(out, /^NAME\s+STATUS\s+AGE$/m);
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\d+s$`, 'm'));
    });

    it('applies a manifest: create, unchanged re-apply, change, and removal of a field', async () => {
      const file = join(cluster.dataDir, 'web.yaml');
      writeFileSync(file, deployment(3, '        env: [{name: A, value: "1"}]\n'));
      assert.match(await ok(['apply', '-f', file]), /deployment.apps\/web created/);
      assert.match(await ok(['apply', '-f', file]), /deployment.apps\/web unchanged/);
      writeFileSync(file, deployment(4));
      assert.match(await ok(['apply', '-f', file]), /deployment.apps\/web configured/);
      const live = JSON.parse(await ok(['get', 'deployment', 'web', '-o', 'json'])) as {
        metadata: { generation: number; annotations: Record<string, string> };
        spec: { replicas: number; template: { spec: { containers: { env?: unknown }[] } } };
      };
      assert.equal(live.spec.replicas, 4);
      assert.equal(live.metadata.generation, 2);
      assert.equal(live.spec.template.spec.containers[0]!.env, undefined, 'the removed env list is gone');
      assert.ok(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
      const table = await ok(['get', 'deployments']);
      assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
      assert.match(table, /^web\s+0\/4\s+0\s+0\s+\d+s$/m);
    });

    it('labels, annotates and selects by label and field', async () => {
      assert.match(await ok(['label', 'deployment', 'web', 'tier=front']), /labeled/);
      assert.match(await ok(['annotate', 'deployment', 'web', 'owner=team-a']), /annotated/);
      assert.equal((await ok(['get', 'deploy', '-l', 'tier=front', '-o', 'name'])).trim(), 'deployment.apps/web');
      assert.equal((await ok(['get', 'deploy', '-l', 'tier in (back)', '-o', 'name'])).trim(), '');
      assert.equal((await ok(['get', 'deploy', '--field-selector', 'metadata.name=web', '-o', 'name'])).trim(), 'deployment.apps/web');
      assert.match(await fails(['get', 'pods', '--field-selector', 'spec.bogus=1']), /field label not supported: spec\.bogus/);
      assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.owner}']), 'team-a');
    });

    it('scales through the scale subresource', async () => {
      assert.match(await ok(['scale', 'deployment', 'web', '--replicas=2']), /scaled/);
      assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '2');
    });

    it('lists across namespaces and prints yaml', async () => {
      await ok(['create', 'namespace', 'other']);
      await ok(['create', 'configmap', 'settings', '-n', 'other', '--from-literal=a=b']);
      const all = await ok(['get', 'configmaps', '-A']);
      assert.match(all, /^NAMESPACE\s+NAME\s+DATA\s+AGE$/m);
      assert.match(all, /^other\s+settings\s+1\s+\d+s$/m);
      const yaml = await ok(['get', 'configmap', 'settings', '-n', 'other', '-o', 'yaml']);
      assert.match(yaml, /^kind: ConfigMap$/m);
      assert.match(yaml, /^ {2}a: b$/m);
    });

    it('patches with all three patch types', async () => {
      await ok(['patch', 'deployment', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"merge":"yes"}}}']);
      await ok(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]']);
      await ok(['patch', 'deployment', 'web', '-p', '{"metadata":{"labels":{"strategic":"yes"}}}']);
      const labels = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.labels}'])) as Record<string, string>;
      assert.equal(labels.merge, 'yes');
      assert.equal(labels.json, 'yes');
      assert.equal(labels.strategic, 'yes');
    });

    it('keeps an object with a finalizer until a patch removes it', async () => {
      await ok(['create', 'configmap', 'held']);
      await ok(['patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
      assert.match(await ok(['delete', 'configmap', 'held', '--wait=false']), /deleted/);
      const held = JSON.parse(await ok(['get', 'configmap', 'held', '-o', 'json'])) as { metadata: { deletionTimestamp?: string } };
      assert.ok(held.metadata.deletionTimestamp, 'terminating objects show a deletionTimestamp');
      await ok(['patch', 'configmap', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      await eventually(async () => (await cluster.kubectl(['get', 'configmap', 'held'])).status !== 0, 10_000, 'the configmap to be gone');
      assert.match(await fails(['get', 'configmap', 'held']), /Error from server \(NotFound\): configmaps "held" not found/);
    });

    it('streams changes with get -w', async () => {
      const watch = cluster.kubectlBackground(['get', 'configmaps', '-w', '--output-watch-events']);
      try {
        // Give kubectl time to list and open its watch; anything created later must show up.
        await new Promise((r) => setTimeout(r, 1500));
        await ok(['create', 'configmap', 'watched', '--from-literal=x=y']);
        await eventually(() => /ADDED\s+watched/.test(watch.output()), 10_000, 'the watch to show the new configmap');
      } finally {
        await watch.stop();
      }
    });

    it('waits for a condition and a jsonpath value', async () => {
      await ok(['create', 'configmap', 'ready', '--from-literal=state=done']);
      assert.match(await ok(['wait', '--for=jsonpath={.data.state}=done', 'configmap/ready', '--timeout=10s']), /condition met/);
    });

    it('deletes with --wait and reports NotFound afterwards', async () => {
      assert.match(await ok(['delete', 'deployment', 'web']), /deployment.apps "web" deleted/);
      assert.match(await fails(['get', 'deployment', 'web']), /deployments.apps "web" not found/);
    });

    it('rejects unknown fields with fieldValidation=Strict (kubectl apply/create default)', async () => {
      const file = join(cluster.dataDir, 'typo.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo}\ndatta: {a: b}\n');
      assert.match(await fails(['create', '-f', file]), /strict decoding error: unknown field "datta"/);
      assert.match(await fails(['get', 'configmap', 'typo']), /not found/);
      // --validate=false sends fieldValidation=Ignore: accepted, the unknown field ignored.
      assert.match(await ok(['create', '-f', file, '--validate=false']), /configmap\/typo created/);
    });

    it('explains fields from the served OpenAPI schemas', async () => {
      const out = await ok(['explain', 'pod.spec.containers']);
      assert.match(out, /KIND:\s+Pod/);
      assert.match(out, /FIELD:\s+containers <\[\]Container>/);
      assert.match(out, /image\s+<string>/);
    });

    it('server-side applies: creates, then updates the same object', async () => {
      const file = join(cluster.dataDir, 'ssa.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: "1"}\n');
      assert.match(await ok(['apply', '--server-side', '-f', file]), /configmap\/ssa serverside-applied/);
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: "2"}\n');
      assert.match(await ok(['apply', '--server-side', '-f', file]), /configmap\/ssa serverside-applied/);
      assert.equal(await ok(['get', 'configmap', 'ssa', '-o', 'jsonpath={.data.a}']), '2');
    });

    it('replaces and creates from files, and describes what it stored', async () => {
      const file = join(cluster.dataDir, 'svc.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n');
      assert.match(await ok(['create', '-f', file]), /service\/web created/);
      const live = JSON.parse(await ok(['get', 'service', 'web', '-o', 'json'])) as { metadata: object; spec: object };
      writeFileSync(file, JSON.stringify({ ...live, metadata: { ...live.metadata, labels: { replaced: 'yes' } } }));
      assert.match(await ok(['replace', '-f', file]), /service\/web replaced/);
      const wide = await ok(['get', 'services', '-o', 'wide']);
      assert.match(wide, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR$/m);
      assert.match(wide, /^web\s+ClusterIP\s+.*80\/TCP\s+\d+s\s+app=web$/m);
      const described = await ok(['describe', 'service', 'web']);
      assert.match(described, /^Name:\s+web$/m);
      assert.match(described, /^Labels:\s+replaced=yes$/m);
      assert.match(described, /^Selector:\s+app=web$/m);
    });

    it('waits for a status condition set through the status subresource', async () => {
      await ok(['create', 'deployment', 'cond', '--image=tskube/echo']);
      await ok([
        'patch', 'deployment', 'cond', '--subresource=status', '--type=merge',
        '-p', '{"status":{"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"ok"}]}}',
      ]);
      assert.match(await ok(['wait', '--for=condition=Available', 'deployment/cond', '--timeout=10s']), /condition met/);
      // The status patch changed nothing else: generation stays 1.
      assert.equal(await ok(['get', 'deploy', 'cond', '-o', 'jsonpath={.metadata.generation}']), '1');
    });

    it('sorts events by time', async () => {
      const event = (name: string, ts: string) => JSON.stringify({
        apiVersion: 'v1', kind: 'Event', metadata: { name },
        involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'default' },
        reason: name, message: `message ${name}`, type: 'Normal', firstTimestamp: ts, lastTimestamp: ts, count: 1,
        source: { component: 'test' },
      });
      const file = join(cluster.dataDir, 'events.json');
      writeFileSync(file, `${event('second', '2026-01-01T00:00:02Z')}\n${event('first', '2026-01-01T00:00:01Z')}`);
      await ok(['create', '-f', file]);
      const out = await ok(['get', 'events', '--sort-by=.lastTimestamp']);
      assert.match(out, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
      assert.ok(out.indexOf('first') < out.indexOf('second'), out);
    });

    it('rejects bad input with upstream-style errors', async () => {
      assert.match(await fails(['create', 'configmap', 'Bad_Name']), /Invalid value: "Bad_Name"/);
      assert.match(await fails(['get', 'pods', '-l', 'a in (']), /unable to parse requirement|found '', expected/);
      assert.match(await fails(['get', 'nosuchthing']), /the server doesn't have a resource type "nosuchthing"/);
    });
  });
}
