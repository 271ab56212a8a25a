/**
 * @module apiserver/openapi/unknown-fields
 *
 * Finds the fields of a request body that the kind's schema does not declare, as upstream finds
 * them when it decodes the body into its Go types, and drops them as that decoding does.
 *
 * The walk mirrors decoding: object fields match case-sensitively; a map's keys are free but its
 * values are checked; list items are checked one by one; types that decode themselves
 * (IntOrString, Quantity, Time, RawExtension, FieldsV1) are opaque. A value of the wrong JSON type
 * is left alone: that is a decoding error, not an unknown field.
 *
 * Two path styles, because upstream has two decoders:
 *   findUnknownFields            sigs.k8s.io/json strict decoding (create, update, json/merge/strategic
 *                                patch): `unknown field "spec.template.spec.containers[0].imagee"`,
 *                                map keys joined with dots, each once, at most 100, in document order.
 *   findUnknownFieldPathsForApply  server-side apply's typed conversion (structured-merge-diff):
 *                                `.spec.template.spec.containers[name="web"].imagee`, list items named
 *                                by their `x-kubernetes-list-map-keys`.
 */
import { goQuote } from '../../api/validation/field-errors.js';
import type { Schema } from './schema.js';
import { resolveSchema, schemaForKind } from './schemas.js';

/** Upstream stops collecting strict errors after this many. */
const MAX_ERRORS = 100;

type Segment = { readonly field: string } | { readonly index: number; readonly item: unknown; readonly list: Schema };

/**
 * `unknown field "<path>"` for every field of `obj` that the schema of `apiVersion`/`kind` does
 * not declare. Empty for a kind tskube has no schema for: it cannot tell, so it lets it through.
 */
export function findUnknownFields(apiVersion: string, kind: string, obj: unknown): string[] {
  const schema = schemaForKind(apiVersion, kind);
  return schema ? findUnknownFieldsInSchema(schema, obj) : [];
}

/** The same check from any schema (a subresource body, a list item). */
export function findUnknownFieldsInSchema(schema: Schema, value: unknown): string[] {
  const found = new Set<string>();
  walk(schema, value, [], (path) => {
    if (found.size < MAX_ERRORS) found.add(decoderPath(path));
  });
  return [...found].map((path) => `unknown field ${goQuote(path)}`);
}

/** Server-side apply's paths of the undeclared fields, e.g. `.spec.containers[name="web"].imagee`. */
export function findUnknownFieldPathsForApply(apiVersion: string, kind: string, obj: unknown): string[] {
  const schema = schemaForKind(apiVersion, kind);
  if (!schema) return [];
  const found: string[] = [];
  walk(schema, obj, [], (path) => found.push(applyPath(path)));
  return found;
}

/**
 * A copy of `obj` without the fields its kind does not declare: what upstream stores after
 * decoding a body with `fieldValidation=Ignore` or `Warn`. Returned unchanged for unknown kinds.
 */
export function pruneUnknownFields<T>(apiVersion: string, kind: string, obj: T): T {
  const schema = schemaForKind(apiVersion, kind);
  return schema ? (prune(schema, obj) as T) : obj;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function declared(schema: Schema, key: string): Schema | undefined {
  return schema.properties && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
}

function walk(fieldSchema: Schema, value: unknown, path: Segment[], unknown: (path: Segment[]) => void): void {
  if (value === null || value === undefined) return;
  const schema = resolveSchema(fieldSchema);
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, index) => walk(schema.items!, item, [...path, { index, item, list: schema }], unknown));
    return;
  }
  if (!isObject(value)) return;
  if (schema.properties) {
    for (const [key, child] of Object.entries(value)) {
      const property = declared(schema, key);
      if (property) walk(property, child, [...path, { field: key }], unknown);
      else unknown([...path, { field: key }]);
    }
  } else if (schema.additionalProperties) {
    for (const [key, child] of Object.entries(value)) walk(schema.additionalProperties, child, [...path, { field: key }], unknown);
  }
  // Neither: a free-form object (RawExtension, FieldsV1, JSON), which keeps whatever it is given.
}

function prune(fieldSchema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const schema = resolveSchema(fieldSchema);
  if (Array.isArray(value)) return schema.items ? value.map((item) => prune(schema.items!, item)) : value;
  if (!isObject(value)) return value;
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const property = declared(schema, key);
      if (property) out[key] = prune(property, child);
    }
    return out;
  }
  const values = schema.additionalProperties;
  if (values) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, prune(values, child)]));
  return value;
}

function decoderPath(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if ('field' in segment) out = out === '' ? segment.field : `${out}.${segment.field}`;
    else out += `[${segment.index}]`;
  }
  return out;
}

/** structured-merge-diff's PathElement strings: `.field`, `[key="v",port=80]`, `[="v"]`, `[0]`. */
function applyPath(path: readonly Segment[]): string {
  return path
    .map((segment) => {
      if ('field' in segment) return `.${segment.field}`;
      const keys = segment.list['x-kubernetes-list-map-keys'];
      const type = segment.list['x-kubernetes-list-type'];
      if (type === 'map' && keys && isObject(segment.item)) {
        const item = segment.item;
        return `[${keys.filter((k) => item[k] !== undefined).map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')}]`;
      }
      if (type === 'set') return `[=${JSON.stringify(segment.item)}]`;
      return `[${segment.index}]`;
    })
    .join('');
}
