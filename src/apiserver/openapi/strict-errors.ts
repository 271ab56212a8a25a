/**
 * @module apiserver/openapi/strict-errors
 *
 * How upstream words unknown (and duplicate) field errors, per request kind and
 * `fieldValidation` directive, so the API server can answer exactly as kube-apiserver does:
 *
 *   Strict, create/update body   400 BadRequest
 *     `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`
 *     (handlers/create.go + rest.go transformDecodeError)
 *   Strict, json/merge/strategic patch   422 Invalid, one cause on field `patch`
 *     ` "" is invalid: patch: Invalid value: "<the patched object or the patch>": strict decoding error: unknown field "spec.foo"`
 *     (handlers/patch.go: errors.NewInvalid(schema.GroupKind{}, "", ...))
 *   Warn, any of the above   success, plus one `Warning: 299 - "unknown field \"spec.foo\""` header per error
 *     (rest.go addStrictDecodingWarnings)
 *   Ignore   nothing
 *
 *   Server-side apply (`application/apply-patch+yaml`), whatever the directive   500, reason empty
 *     `failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema`
 *     (managedfields structuredmerge.go; the apply body is converted to the typed schema, which
 *     rejects unknown fields outright; only duplicate fields follow fieldValidation there)
 */
import { fieldErrors, type FieldError } from '../../api/validation/field-errors.js';

/** runtime.NewStrictDecodingError(errs).Error(): `strict decoding error: <e1>, <e2>`. */
export function strictDecodingError(errors: readonly string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

/**
 * The 400 BadRequest message for a create or update body. `kind`/`version` are what the body
 * declares (its apiVersion's version); `expectedKind` is the kind the endpoint decodes into.
 */
export function strictBodyErrorMessage(kind: string, version: string, errors: readonly string[], expectedKind = kind): string {
  return `${kind} in version "${version}" cannot be handled as a ${expectedKind}: ${strictDecodingError(errors)}`;
}

/**
 * The single field error of the 422 Invalid a strict patch gets. Its value is what upstream shows:
 * the patched object's JSON for json-patch and merge-patch, the patch itself printed as Go's
 * `%+v` prints a map for a strategic merge patch. Pass it to the Invalid constructor with an empty
 * kind, group and name.
 */
export function strictPatchFieldError(
  patchType: 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json',
  patchedObject: unknown,
  patch: unknown,
  errors: readonly string[],
): FieldError {
  const value = patchType === 'application/strategic-merge-patch+json' ? goPrint(patch) : JSON.stringify(patchedObject);
  return fieldErrors.invalid('patch', value, strictDecodingError(errors));
}

/** The text of each `Warning: 299 - "..."` header for `fieldValidation=Warn`: one per error, as is. */
export function strictDecodingWarnings(errors: readonly string[]): string[] {
  return [...errors];
}

/**
 * The message of the error server-side apply answers for undeclared fields: `paths` as
 * findUnknownFieldPathsForApply gives them. Upstream (1.32) returns it as a plain error, so the
 * Status is a 500 with no reason and exactly this message ("Error from server: ..." in kubectl).
 */
export function applyUnknownFieldsMessage(
  object: { readonly namespace?: string; readonly name?: string },
  apiVersion: string,
  kind: string,
  paths: readonly string[],
): string {
  const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
  const errors = paths.map((path) => `${path}: field not declared in schema`);
  const detail = errors.length === 1 ? errors[0]! : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n');
  return `failed to create typed patch object (${object.namespace ?? ''}/${object.name ?? ''}; ${gv}, Kind=${kind}): ${detail}`;
}

/** Go's `%+v` of a decoded JSON value: `map[a:1 b:[x y]]`, with map keys sorted as fmt does. */
export function goPrint(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${goPrint(v)}`).join(' ')}]`;
  }
  if (typeof value === 'number') return goNumber(value);
  return String(value);
}

/**
 * A JSON number as Go prints it after strict decoding: integers were kept as int64, the rest are
 * float64 printed by `%v` (shortest digits; exponent form below 1e-4 or from 1e6, at least two
 * exponent digits: `1e-05`, `1.5e+06`).
 */
function goNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  const exp = Number(exponent);
  if (exp >= -4 && exp < 6) return String(n);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
