import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { groupVersion, RESOURCES } from '../../api/resources.js';
import { openApiDocument, openApiGroupVersion, openApiRoot, type OpenApiDocument } from './document.js';
import { PATCH_CONTENT_TYPES, type Operation, type PathItem } from './paths.js';
import { REF_PREFIX } from './schema.js';
import { collectRefs } from './schemas.js';

const docPath = (group: string, version: string) => (group === '' ? `api/${version}` : `apis/${group}/${version}`);
const servedPaths = [...new Set(RESOURCES.map((r) => docPath(r.group, r.version)))];

function doc(path: string): OpenApiDocument {
  const d = openApiGroupVersion(path);
  assert.ok(d, `no document for ${path}`);
  return d;
}

function pathItem(d: OpenApiDocument, path: string): PathItem {
  const item = d.paths[path];
  assert.ok(item, `no path ${path}; have ${Object.keys(d.paths).join(', ')}`);
  return item;
}

const paramNames = (op: Operation | undefined) => (op?.parameters ?? []).map((p) => p.name);

describe('/openapi/v3 index', () => {
  it('lists every served group/version, core first, each pinned to its document hash', () => {
    const root = openApiRoot();
    assert.deepEqual(Object.keys(root.paths), servedPaths);
    assert.equal(servedPaths[0], 'api/v1');
    for (const [path, { serverRelativeURL }] of Object.entries(root.paths)) {
      const served = openApiDocument(path);
      assert.ok(served);
      assert.equal(serverRelativeURL, `/openapi/v3/${path}?hash=${served.hash}`);
      // Upstream's hash: SHA-512 of the bytes served, upper-case hex.
      assert.equal(served.hash, createHash('sha512').update(served.body).digest('hex').toUpperCase());
      assert.deepEqual(JSON.parse(served.body), served.document);
    }
  });

  it('answers nothing for a group/version tskube does not serve, and tolerates slashes', () => {
    assert.equal(openApiGroupVersion('apis/batch/v1'), undefined);
    assert.equal(openApiGroupVersion('api/v2'), undefined);
    assert.equal(openApiGroupVersion('/apis/apps/v1/'), openApiGroupVersion('apis/apps/v1'));
  });
});

describe('group/version documents', () => {
  for (const path of servedPaths) {
    it(`${path}: is a self-contained OpenAPI 3.0 document`, () => {
      const d = doc(path);
      assert.equal(d.openapi, '3.0.0');
      assert.equal(d.info.title, 'Kubernetes');
      const refs: string[] = [];
      collectRefs(d, refs);
      assert.ok(refs.length > 0);
      for (const ref of refs) assert.ok(d.components.schemas[ref], `${path}: $ref ${REF_PREFIX}${ref} does not resolve`);
      for (const key of Object.keys(d.paths)) assert.ok(key.startsWith(`/${path}/`), `${key} is outside ${path}`);
    });
  }

  for (const r of RESOURCES) {
    const gv = groupVersion(r);
    it(`${gv} ${r.plural}: declares the served operations with kind, action and write parameters`, () => {
      const d = doc(docPath(r.group, r.version));
      const gvk = { group: r.group, version: r.version, kind: r.kind };
      const base = `/${docPath(r.group, r.version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
      const item = pathItem(d, `${base}/{name}`);
      const collection = pathItem(d, base);

      const expected: [string, Operation | undefined, string][] = [
        ['get', item.get, 'get'],
        ['update', item.put, 'put'],
        ['patch', item.patch, 'patch'],
        ['delete', item.delete, 'delete'],
        ['list', collection.get, 'list'],
        ['create', collection.post, 'post'],
        ['deletecollection', collection.delete, 'deletecollection'],
      ];
      for (const [verb, op, action] of expected) {
        assert.equal(op !== undefined, r.verbs.includes(verb), `${verb} is served: ${r.verbs.includes(verb)}`);
        if (!op) continue;
        assert.equal(op['x-kubernetes-action'], action);
        assert.deepEqual(op['x-kubernetes-group-version-kind'], gvk);
        assert.match(op.operationId, /^[a-z]+[A-Z]/);
      }
      // What kubectl apply/create/replace look for before leaving validation to the server.
      assert.ok(item.patch);
      for (const name of ['fieldValidation', 'fieldManager', 'dryRun', 'force']) assert.ok(paramNames(item.patch).includes(name), name);
      assert.deepEqual(Object.keys(item.patch.requestBody?.content ?? {}), [...PATCH_CONTENT_TYPES]);
      if (collection.post) for (const name of ['fieldValidation', 'fieldManager', 'dryRun']) assert.ok(paramNames(collection.post).includes(name));
      if (collection.get) assert.ok(paramNames(collection.get).includes('watch'));
      assert.deepEqual(
        item.parameters?.map((p) => `${p.in}:${p.name}`),
        r.namespaced ? ['path:name', 'path:namespace', 'query:pretty'] : ['path:name', 'query:pretty'],
      );
    });
  }

  it('lists namespaced kinds across all namespaces and skips that path for cluster-scoped ones', () => {
    const core = doc('api/v1');
    assert.equal(pathItem(core, '/api/v1/pods').get?.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(pathItem(core, '/api/v1/namespaces/{namespace}/pods').get?.operationId, 'listCoreV1NamespacedPod');
    assert.equal(pathItem(core, '/api/v1/nodes/{name}').get?.operationId, 'readCoreV1Node');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/nodes'], undefined);
    assert.equal(pathItem(doc('apis/apps/v1'), '/apis/apps/v1/namespaces/{namespace}/deployments').delete?.operationId, 'deleteAppsV1CollectionNamespacedDeployment');
  });

  it('gives subresources their own kinds: scale is autoscaling/v1 Scale, eviction is policy/v1 Eviction', () => {
    const apps = doc('apis/apps/v1');
    const scale = pathItem(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale');
    assert.deepEqual(scale.patch?.['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.equal(scale.put?.operationId, 'replaceAppsV1NamespacedDeploymentScale');
    assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
    const status = pathItem(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status');
    assert.deepEqual(status.get?.['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });

    const core = doc('api/v1');
    const eviction = pathItem(core, '/api/v1/namespaces/{namespace}/pods/{name}/eviction');
    assert.deepEqual(eviction.post?.['x-kubernetes-group-version-kind'], { group: 'policy', version: 'v1', kind: 'Eviction' });
    assert.ok(core.components.schemas['io.k8s.api.policy.v1.Eviction']);
    const log = pathItem(core, '/api/v1/namespaces/{namespace}/pods/{name}/log');
    assert.ok(log.get?.responses['200']?.content?.['text/plain']);
    assert.ok(paramNames(log.get).includes('container'));
    assert.ok(pathItem(core, '/api/v1/namespaces/{name}/finalize').put);
  });

  it('carries the schemas of each kind, its list and the meta types the operations name', () => {
    const apps = doc('apis/apps/v1').components.schemas;
    for (const name of ['Deployment', 'DeploymentList', 'DeploymentSpec', 'ReplicaSet', 'DaemonSetList']) assert.ok(apps[`io.k8s.api.apps.v1.${name}`], name);
    for (const name of ['ObjectMeta', 'Status', 'DeleteOptions', 'Patch', 'APIResourceList', 'Time']) {
      assert.ok(apps[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`], name);
    }
    assert.ok(apps['io.k8s.api.core.v1.PodSpec'], 'reached through the pod template');
    assert.ok(apps['io.k8s.apimachinery.pkg.util.intstr.IntOrString']);
    assert.equal(apps['io.k8s.api.core.v1.Service'], undefined, 'only what apps/v1 reaches');

    const events = doc('apis/events.k8s.io/v1').components.schemas;
    assert.deepEqual(events['io.k8s.api.events.v1.Event']?.['x-kubernetes-group-version-kind'], [
      { group: 'events.k8s.io', kind: 'Event', version: 'v1' },
    ]);
  });
});
