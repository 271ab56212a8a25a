/**
 * @module apiserver/openapi/paths
 *
 * The `paths` of a group/version document: for each served resource its collection, item,
 * all-namespaces and subresource paths, with one operation per served verb, shaped as upstream
 * (operationId, `x-kubernetes-action`, a single `x-kubernetes-group-version-kind`, parameters,
 * request bodies and responses). kubectl reads two things here: a PATCH operation for the kind
 * that declares `fieldValidation` (then it leaves validation to the server) and whose request
 * body accepts `application/strategic-merge-patch+json` (then client-side apply builds its patch
 * from these documents' schemas rather than its compiled-in types).
 */
import type { ResourceInfo, SubresourceInfo } from '../../api/resources.js';
import {
  DELETE_COLLECTION_PARAMS,
  DELETE_PARAMS,
  LIST_PARAMS,
  LOG_PARAMS,
  PARAM,
  PATCH_PARAMS,
  WRITE_PARAMS,
  type Parameter,
} from './parameters.js';
import { REF_PREFIX, type GroupVersionKind } from './schema.js';
import { schemaNameForKind } from './schemas.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** The media types tskube accepts for each PATCH, in upstream's order. */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

type Content = Readonly<Record<string, { readonly schema: object }>>;

export interface Operation {
  readonly description: string;
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Content; readonly required: true };
  readonly responses: Readonly<Record<string, { readonly description: string; readonly content?: Content }>>;
  /** Set on every resource operation; absent only on the discovery GET, as upstream. */
  readonly 'x-kubernetes-action'?: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';
  readonly 'x-kubernetes-group-version-kind'?: GroupVersionKind;
}

export interface PathItem {
  parameters?: readonly Parameter[];
  get?: Operation;
  put?: Operation;
  post?: Operation;
  patch?: Operation;
  delete?: Operation;
}

/** `api/v1` or `apis/apps/v1`: the key of a group/version in `/openapi/v3`, and its URL prefix. */
export function openApiPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** Upstream's operationId infix: `CoreV1`, `AppsV1`, `DiscoveryV1` (the `.k8s.io` suffix dropped). */
function operationGroup(group: string, version: string): string {
  const words = group === '' ? ['core'] : group.replace(/\.k8s\.io$/, '').split('.');
  return words.map(capitalize).join('') + capitalize(version);
}

/** Upstream's tag: `core_v1`, `apps_v1`, `discovery_v1`. */
function tag(group: string, version: string): string {
  const words = group === '' ? ['core'] : group.replace(/\.k8s\.io$/, '').split('.');
  return `${words.map((w, i) => (i === 0 ? w : capitalize(w))).join('')}_${version}`;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function schemaRef(group: string, version: string, kind: string): { $ref: string } {
  const name = schemaNameForKind(group, version, kind);
  if (name === undefined) throw new Error(`openapi: no schema for ${group || 'core'}/${version} ${kind}; regenerate or extend kubernetes-types`);
  return { $ref: REF_PREFIX + name };
}

const json = (schema: object): Content => ({ 'application/json': { schema } });
const ok = (schema: object) => ({ description: 'OK', content: json(schema) });
const unauthorized = { description: 'Unauthorized' };

/** Every path of one resource, keyed by URL template. */
export function resourcePaths(r: ResourceInfo): Record<string, PathItem> {
  const prefix = `/${openApiPath(r.group, r.version)}`;
  const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: r.kind };
  const self = schemaRef(r.group, r.version, r.kind);
  const status = { $ref: REF_PREFIX + META + 'Status' };
  const scope = r.namespaced ? 'Namespaced' : '';
  const id = (verb: string, suffix: string) => `${verb}${operationGroup(r.group, r.version)}${suffix}`;
  const opId = (verb: string, sub = '') => id(verb, `${scope}${r.kind}${capitalize(sub)}`);
  const tags = [tag(r.group, r.version)];
  const can = (verb: string) => r.verbs.includes(verb);
  const op = (fields: Omit<Operation, 'tags' | 'x-kubernetes-group-version-kind'>, kind = gvk): Operation => ({
    ...fields,
    tags,
    'x-kubernetes-group-version-kind': kind,
  });

  const base = `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
  const scopeParams = r.namespaced ? [PARAM.namespace, PARAM.pretty] : [PARAM.pretty];
  const paths: Record<string, PathItem> = {};

  const collection: PathItem = { parameters: scopeParams };
  if (can('list') || can('watch')) {
    collection.get = op({
      description: `list or watch objects of kind ${r.kind}`,
      operationId: opId('list'),
      parameters: LIST_PARAMS,
      responses: { '200': listResponse(r), '401': unauthorized },
      'x-kubernetes-action': 'list',
    });
  }
  if (can('create')) {
    collection.post = op({
      description: `create ${article(r.kind)} ${r.kind}`,
      operationId: opId('create'),
      parameters: WRITE_PARAMS,
      requestBody: { content: { '*/*': { schema: self } }, required: true },
      responses: { '200': ok(self), '201': { ...ok(self), description: 'Created' }, '202': { ...ok(self), description: 'Accepted' }, '401': unauthorized },
      'x-kubernetes-action': 'post',
    });
  }
  if (can('deletecollection')) {
    collection.delete = op({
      description: `delete collection of ${r.kind}`,
      operationId: `delete${operationGroup(r.group, r.version)}Collection${scope}${r.kind}`,
      parameters: DELETE_COLLECTION_PARAMS,
      requestBody: { content: { '*/*': { schema: { $ref: REF_PREFIX + META + 'DeleteOptions' } } }, required: true },
      responses: { '200': ok(status), '401': unauthorized },
      'x-kubernetes-action': 'deletecollection',
    });
  }
  if (collection.get || collection.post || collection.delete) paths[base] = collection;

  const item: PathItem = { parameters: [PARAM.name(r.kind), ...scopeParams] };
  if (can('get')) {
    item.get = op({
      description: `read the specified ${r.kind}`,
      operationId: opId('read'),
      responses: { '200': ok(self), '401': unauthorized },
      'x-kubernetes-action': 'get',
    });
  }
  if (can('update')) item.put = replaceOp(op, opId('replace'), `replace the specified ${r.kind}`, self);
  if (can('patch')) item.patch = patchOp(op, opId('patch'), `partially update the specified ${r.kind}`, self);
  if (can('delete')) {
    item.delete = op({
      description: `delete ${article(r.kind)} ${r.kind}`,
      operationId: opId('delete'),
      parameters: DELETE_PARAMS,
      requestBody: { content: { '*/*': { schema: { $ref: REF_PREFIX + META + 'DeleteOptions' } } }, required: true },
      responses: { '200': ok(status), '202': { ...ok(status), description: 'Accepted' }, '401': unauthorized },
      'x-kubernetes-action': 'delete',
    });
  }
  if (item.get || item.put || item.patch || item.delete) paths[`${base}/{name}`] = item;

  if (r.namespaced && (can('list') || can('watch'))) {
    paths[`${prefix}/${r.plural}`] = {
      parameters: [PARAM.pretty],
      get: op({
        description: `list or watch objects of kind ${r.kind}`,
        operationId: id('list', `${r.kind}ForAllNamespaces`),
        parameters: LIST_PARAMS,
        responses: { '200': listResponse(r), '401': unauthorized },
        'x-kubernetes-action': 'list',
      }),
    };
  }

  for (const sub of r.subresources) {
    paths[`${base}/{name}/${sub.name}`] = subresourcePath(r, sub, (verb) => opId(verb, sub.name), op, scopeParams);
  }
  return paths;
}

const CONNECT_KINDS = new Set(['PodExecOptions', 'PodPortForwardOptions', 'PodAttachOptions']);

type OpBuilder = (fields: Omit<Operation, 'tags' | 'x-kubernetes-group-version-kind'>, kind?: GroupVersionKind) => Operation;

function subresourcePath(
  r: ResourceInfo,
  sub: SubresourceInfo,
  opId: (verb: string) => string,
  op: OpBuilder,
  scopeParams: readonly Parameter[],
): PathItem {
  const gvk: GroupVersionKind = { group: sub.group, version: sub.version, kind: sub.kind };
  // exec, attach and portforward are upgraded connections, not objects: upstream documents them as
  // "connect" GET/POST answering a string, with no schema for their *Options kind.
  if (CONNECT_KINDS.has(sub.kind)) {
    const item: PathItem = { parameters: [PARAM.name(sub.kind), ...scopeParams] };
    const connect = (verb: 'get' | 'post') =>
      op({
        description: `connect ${verb.toUpperCase()} requests to ${sub.name} of ${r.kind}`,
        operationId: opId(verb === 'get' ? 'connectGet' : 'connectPost'),
        responses: { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } }, '401': unauthorized },
        'x-kubernetes-action': 'connect',
      }, gvk);
    if (sub.verbs.includes('get')) item.get = connect('get');
    if (sub.verbs.includes('create')) item.post = connect('post');
    return item;
  }
  const self = schemaRef(sub.group, sub.version, sub.kind);
  const item: PathItem = { parameters: [PARAM.name(sub.kind), ...scopeParams] };
  const what = `${sub.name} of the specified ${r.kind}`;
  for (const verb of sub.verbs) {
    switch (verb) {
      case 'get':
        item.get =
          sub.name === 'log'
            ? op({
                description: `read log of the specified ${r.kind}`,
                operationId: opId('read'),
                parameters: LOG_PARAMS,
                responses: { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }, '401': unauthorized },
                'x-kubernetes-action': 'get',
              }, gvk)
            : op({ description: `read ${what}`, operationId: opId('read'), responses: { '200': ok(self), '401': unauthorized }, 'x-kubernetes-action': 'get' }, gvk);
        break;
      case 'update':
        item.put = replaceOp(op, opId('replace'), `replace ${what}`, self, gvk);
        break;
      case 'patch':
        item.patch = patchOp(op, opId('patch'), `partially update ${what}`, self, gvk);
        break;
      case 'create':
        item.post = op({
          description: `create ${sub.name} of ${article(r.kind)} ${r.kind}`,
          operationId: opId('create'),
          parameters: WRITE_PARAMS,
          requestBody: { content: { '*/*': { schema: self } }, required: true },
          responses: { '200': ok(self), '201': { ...ok(self), description: 'Created' }, '202': { ...ok(self), description: 'Accepted' }, '401': unauthorized },
          'x-kubernetes-action': 'post',
        }, gvk);
        break;
    }
  }
  return item;
}

function replaceOp(op: OpBuilder, operationId: string, description: string, self: { $ref: string }, gvk?: GroupVersionKind): Operation {
  return op({
    description,
    operationId,
    parameters: WRITE_PARAMS,
    requestBody: { content: { '*/*': { schema: self } }, required: true },
    responses: { '200': ok(self), '201': { ...ok(self), description: 'Created' }, '401': unauthorized },
    'x-kubernetes-action': 'put',
  }, gvk);
}

function patchOp(op: OpBuilder, operationId: string, description: string, self: { $ref: string }, gvk?: GroupVersionKind): Operation {
  const patch = { $ref: REF_PREFIX + META + 'Patch' };
  return op({
    description,
    operationId,
    parameters: PATCH_PARAMS,
    requestBody: { content: Object.fromEntries(PATCH_CONTENT_TYPES.map((type) => [type, { schema: patch }])), required: true },
    responses: { '200': ok(self), '201': { ...ok(self), description: 'Created' }, '401': unauthorized },
    'x-kubernetes-action': 'patch',
  }, gvk);
}

function listResponse(r: ResourceInfo) {
  const list = schemaRef(r.group, r.version, `${r.kind}List`);
  return { description: 'OK', content: { 'application/json': { schema: list }, 'application/json;stream=watch': { schema: list } } };
}

const article = (kind: string) => (/^[AEIOU]/.test(kind) ? 'an' : 'a');

/** The `/api/v1/` or `/apis/apps/v1/` discovery path upstream lists first in every document. */
export function discoveryPath(group: string, version: string): Record<string, PathItem> {
  const resources = { $ref: REF_PREFIX + META + 'APIResourceList' };
  const get: Operation = {
    description: 'get available resources',
    operationId: `get${operationGroup(group, version)}APIResources`,
    tags: [tag(group, version)],
    responses: { '200': ok(resources), '401': unauthorized },
  };
  return { [`/${openApiPath(group, version)}/`]: { get } };
}
