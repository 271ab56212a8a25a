/**
 * @module apiserver/openapi/schemas
 *
 * The generated component schemas, parsed once on first use, and the lookups over them: the
 * schema of a kind (by its `x-kubernetes-group-version-kind`), `$ref` resolution, and the set of
 * schemas a document must carry so that every `$ref` in it resolves.
 */
import { SCHEMAS_JSON } from './generated/k8s-schemas.js';
import { REF_PREFIX, refName, type Schema, type SchemaTable } from './schema.js';

let table: SchemaTable | undefined;
let byKind: Map<string, string> | undefined;

/** Every component schema by upstream name. Parsed lazily: most processes never need it. */
export function schemaTable(): SchemaTable {
  table ??= JSON.parse(SCHEMAS_JSON) as SchemaTable;
  return table;
}

const kindKey = (group: string, version: string, kind: string) => `${group}/${version}/${kind}`;

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The component name of a kind, e.g. `io.k8s.api.apps.v1.Deployment` for `apps/v1` Deployment. */
export function schemaNameForKind(group: string, version: string, kind: string): string | undefined {
  if (!byKind) {
    byKind = new Map();
    for (const [name, schema] of Object.entries(schemaTable())) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) byKind.set(kindKey(gvk.group, gvk.version, gvk.kind), name);
    }
  }
  return byKind.get(kindKey(group, version, kind));
}

/** The schema of an object's `apiVersion` and `kind`, if tskube knows the kind. */
export function schemaForKind(apiVersion: string, kind: string): Schema | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const name = schemaNameForKind(group, version, kind);
  return name === undefined ? undefined : schemaTable()[name];
}

/**
 * The schema a field's schema stands for: follows a `$ref`, or the one-element `allOf` upstream
 * wraps around a `$ref` so that a description can sit next to it. Anything else is returned as is.
 */
export function resolveSchema(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; depth < 8; depth++) {
    if (current.$ref !== undefined) {
      const target = schemaTable()[refName(current.$ref)];
      if (!target) throw new Error(`openapi: dangling reference ${current.$ref}`);
      current = target;
    } else if (current.allOf?.length === 1 && current.properties === undefined && current.type === undefined) {
      current = current.allOf[0]!;
    } else {
      return current;
    }
  }
  throw new Error('openapi: reference chain too deep');
}

/** Every component name referenced (directly or through other components) from `roots`. */
export function referencedSchemas(roots: Iterable<string>): string[] {
  const all = schemaTable();
  const seen = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    const schema = all[name];
    if (!schema) throw new Error(`openapi: no schema named ${name}`);
    seen.add(name);
    collectRefs(schema, pending);
  }
  return [...seen].sort();
}

/** Appends the component names of every `$ref` inside `value` (any JSON) to `out`. */
export function collectRefs(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(REF_PREFIX)) out.push(refName(child));
      else collectRefs(child, out);
    }
  }
}
