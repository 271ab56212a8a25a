/**
 * @module apiserver/openapi/document
 *
 * The OpenAPI v3 documents tskube serves: `/openapi/v3` (an index naming one document per served
 * group/version, each URL carrying a content hash) and `/openapi/v3/<api/v1|apis/g/v>` (the
 * paths of that group/version's resources plus every component schema they reach). kubectl needs
 * every served group/version in the index (`apply` fails validation for one that is missing) and
 * real schemas in each document (`explain`, client-side apply's patch computation).
 *
 * Documents depend only on the resource table and the generated schemas, so each is built and
 * serialized once per process; the hash is upstream's (SHA-512 of the served bytes, upper-case
 * hex), which lets clients cache a document by URL and revalidate it with `If-None-Match`.
 */
import { createHash } from 'node:crypto';
import { RESOURCES } from '../../api/resources.js';
import { discoveryPath, openApiPath, resourcePaths, type PathItem } from './paths.js';
import type { Schema } from './schema.js';
import { collectRefs, referencedSchemas, schemaTable } from './schemas.js';

export interface OpenApiDocument {
  readonly openapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, Schema>>;
    readonly securitySchemes: Readonly<Record<string, object>>;
  };
}

export interface OpenApiRoot {
  readonly paths: Readonly<Record<string, { readonly serverRelativeURL: string }>>;
}

/** A document ready to send: the bytes, and the hash naming them (also the ETag, quoted). */
export interface SerializedDocument {
  readonly document: OpenApiDocument;
  readonly body: string;
  readonly hash: string;
}

let built: Map<string, SerializedDocument> | undefined;

/** Served group/versions in discovery order (core first), keyed by document path. */
function servedGroupVersions(): Map<string, { group: string; version: string }> {
  const out = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) out.set(openApiPath(r.group, r.version), { group: r.group, version: r.version });
  return out;
}

function buildDocument(path: string, group: string, version: string): OpenApiDocument {
  const paths: Record<string, PathItem> = { ...discoveryPath(group, version) };
  for (const r of RESOURCES) {
    if (openApiPath(r.group, r.version) === path) Object.assign(paths, resourcePaths(r));
  }
  const roots: string[] = [];
  collectRefs(paths, roots);
  const all = schemaTable();
  const schemas: Record<string, Schema> = {};
  for (const name of referencedSchemas(roots)) schemas[name] = all[name]!;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    },
  };
}

function documents(): Map<string, SerializedDocument> {
  if (!built) {
    built = new Map();
    for (const [path, { group, version }] of servedGroupVersions()) {
      const document = buildDocument(path, group, version);
      const body = JSON.stringify(document);
      built.set(path, { document, body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
    }
  }
  return built;
}

/** The `/openapi/v3` index: every served group/version, each URL pinned to its document's hash. */
export function openApiRoot(): OpenApiRoot {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [path, { hash }] of documents()) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  return { paths };
}

/**
 * The document of one group/version, by its index key (`api/v1`, `apis/apps/v1`; a leading or
 * trailing slash is tolerated), or undefined for a group/version tskube does not serve.
 */
export function openApiGroupVersion(path: string): OpenApiDocument | undefined {
  return openApiDocument(path)?.document;
}

/** Like openApiGroupVersion, with the serialized body and hash for sending and ETag checks. */
export function openApiDocument(path: string): SerializedDocument | undefined {
  return documents().get(path.replace(/^\/+|\/+$/g, ''));
}
