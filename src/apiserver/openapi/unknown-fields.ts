/**
 * @module apiserver/openapi/unknown-fields
 *
 * Finds the fields of a request body that the kind's schema does not declare: what upstream's
 * strict JSON decoder (sigs.k8s.io/json `UnmarshalStrict`, or the unstructured converter for a
 * strategic merge patch) reports when a request carries `fieldValidation=Strict` or `Warn`.
 *
 * The walk mirrors decoding into the Go types: object fields are matched case-sensitively, a
 * map's keys are free but its values are checked, list items are checked one by one, and types
 * with their own JSON decoding (IntOrString, Quantity, Time, RawExtension, FieldsV1) are opaque.
 * A value of the wrong JSON type is left alone: that is a decoding error, not an unknown field.
 * Messages and paths are upstream's: `unknown field "spec.template.spec.containers[0].imagee"`,
 * map keys joined with dots, at most 100, each reported once, in document order.
 */
import { goQuote } from '../../api/validation/field-errors.js';
import type { Schema } from './schema.js';
import { resolveSchema, schemaForKind } from './schemas.js';

/** Upstream stops collecting strict errors after this many. */
const MAX_ERRORS = 100;

/**
 * `unknown field "<path>"` for every field of `obj` that the schema of `apiVersion`/`kind` does
 * not declare. Empty for a kind tskube has no schema for: it cannot tell, so it lets it through.
 */
export function findUnknownFields(apiVersion: string, kind: string, obj: unknown): string[] {
  const schema = schemaForKind(apiVersion, kind);
  if (!schema) return [];
  return findUnknownFieldsInSchema(schema, obj);
}

/** The same walk from any schema (a subresource body, a list item). */
export function findUnknownFieldsInSchema(schema: Schema, value: unknown): string[] {
  const found = new Set<string>();
  walk(schema, value, '', found);
  return [...found].map((path) => `unknown field ${goQuote(path)}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function walk(fieldSchema: Schema, value: unknown, path: string, found: Set<string>): void {
  if (found.size >= MAX_ERRORS || value === null || value === undefined) return;
  const schema = resolveSchema(fieldSchema);
  if (Array.isArray(value)) {
    if (!schema.items) return;
    value.forEach((item, i) => walk(schema.items!, item, `${path}[${i}]`, found));
    return;
  }
  if (!isObject(value)) return;
  if (schema.properties) {
    for (const [key, child] of Object.entries(value)) {
      const property = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
      if (property) walk(property, child, join(path, key), found);
      else if (found.size < MAX_ERRORS) found.add(join(path, key));
    }
  } else if (schema.additionalProperties) {
    for (const [key, child] of Object.entries(value)) walk(schema.additionalProperties, child, join(path, key), found);
  }
  // Neither: a free-form object (RawExtension, FieldsV1, JSON), which keeps whatever it is given.
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
