/**
 * @module apiserver/patch/strategic-merge
 *
 * Server-side strategic merge patch (`application/strategic-merge-patch+json`), with upstream's
 * semantics (apimachinery `pkg/util/strategicpatch/patch.go`, `StrategicMergeMapPatch`):
 *
 * - JSON merge patch as the base: objects merge key by key, `null` deletes a key, a value of
 *   another type replaces the live one. Fields the schema does not describe behave exactly so.
 * - Lists replace the live list, unless the field's strategy is `merge` (merge-list).
 * - Directives: `$patch: replace|delete|merge` on objects and list elements, `$retainKeys`,
 *   `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` (directives, set-element-order).
 *
 * Upstream behaviours kept although they surprise, because clients see them from a real cluster:
 * without `$setElementOrder` a new merge-list element lands before the live ones; an object with
 * `$patch: replace|delete` for a field the live object lacks is dropped; `$patch: delete` on an
 * object leaves `{}`; the setElementOrder ordering reads the live list as upstream edits it in place.
 *
 * Where tskube departs from upstream, on purpose: `$patch: merge` is accepted as the default it
 * names (upstream rejects it); malformed directives upstream would ignore or crash on are
 * rejected with a PatchError; directive keys never reach the result (upstream relies on decoding
 * into Go types to drop them).
 */
import {
  cleanPatchList,
  cleanPatchObject,
  cleanPatchValue,
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  directiveTarget,
  parseDirective,
  PATCH_KEY,
  RETAIN_KEYS_KEY,
  SET_ELEMENT_ORDER_PREFIX,
} from './directives.js';
import { patchErrors } from './errors.js';
import { childPath, copyJson, describeKind, isJsonObject, kindOf, own, setOwn, type JsonObject, type JsonValue } from './json.js';
import { fieldMeta, type PatchSchema, type StructType } from './merge-keys.js';
import { elementKind, mergeList } from './merge-list.js';
import { applyElementOrders } from './set-element-order.js';

/**
 * Applies a strategic merge patch to an object and returns the result. Neither input is modified.
 *
 * @param original the live object (undefined or null: an empty object)
 * @param patch    the patch, a JSON object
 * @param schema   the kind's patch schema (`schemaForKind`); undefined merges as a JSON merge patch
 *                 that still understands the directives
 * @throws PatchError when the patch is malformed
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema | undefined): unknown {
  const patchCopy = copyJson(patch, 'the patch');
  if (!isJsonObject(patchCopy)) throw patchErrors.invalidDocument(`the patch must be an object, not ${describeKind(patchCopy)}`);
  const live = original === undefined || original === null ? {} : copyJson(original, 'the object');
  if (!isJsonObject(live)) throw patchErrors.invalidDocument(`the object to patch must be an object, not ${describeKind(live)}`);
  return mergeObject(live, patchCopy, schema, '');
}

/**
 * Merges `patch` into `live`, both private copies that this edits and consumes; returns the result
 * (usually `live` itself).
 */
function mergeObject(live: JsonObject, patch: JsonObject, type: StructType | undefined, path: string): JsonObject {
  const directive = own(patch, PATCH_KEY);
  if (directive !== undefined) {
    const parsed = parseDirective(directive, patch, path);
    delete patch[PATCH_KEY];
    // Upstream's results, kept: replace takes the patch as it is; delete leaves an empty object.
    if (parsed === 'replace') return cleanPatchObject(patch, path);
    if (parsed === 'delete') return {};
  }
  applyRetainKeys(live, patch, path);
  applyElementOrders(live, patch, type, path, mergeObject);
  for (const key of Object.keys(patch)) {
    const value = own(patch, key);
    if (value !== undefined) mergeField(live, key, value, type, path);
  }
  return live;
}

function mergeField(live: JsonObject, key: string, value: JsonValue, type: StructType | undefined, path: string): void {
  if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
    deleteFromPrimitiveList(live, directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX, path), value, path);
    return;
  }
  const fieldPath = childPath(path, key);
  const current = own(live, key);
  if (value === null) {
    delete live[key];
    return;
  }
  if (current === undefined || kindOf(current) !== kindOf(value)) {
    const kept = cleanPatchValue(value, fieldPath);
    if (kept === undefined) delete live[key];
    else setOwn(live, key, kept);
    return;
  }
  const meta = fieldMeta(type, key);
  if (isJsonObject(current) && isJsonObject(value)) {
    const merged =
      meta?.strategy === 'replace' ? cleanPatchObject(value, fieldPath) : mergeObject(current, value, meta?.type, fieldPath);
    setOwn(live, key, merged);
  } else if (Array.isArray(current) && Array.isArray(value)) {
    const merged =
      meta?.strategy === 'merge' ? mergeList(current, value, meta, fieldPath, mergeObject).merged : cleanPatchList(value, fieldPath);
    setOwn(live, key, merged);
  } else {
    setOwn(live, key, value);
  }
}

/**
 * `$retainKeys`: the keys the object may keep. Upstream clears the others from the live object
 * before merging, and rejects a patch that sets a key the list leaves out.
 */
function applyRetainKeys(live: JsonObject, patch: JsonObject, path: string): void {
  const retain = own(patch, RETAIN_KEYS_KEY);
  if (retain === undefined) return;
  delete patch[RETAIN_KEYS_KEY];
  if (!Array.isArray(retain)) {
    throw patchErrors.invalidRetainKeys(path, `$retainKeys must be a list, not ${describeKind(retain)}`);
  }
  const retained = new Set<JsonValue>(retain);
  for (const key of Object.keys(patch)) {
    if (
      own(patch, key) === null ||
      key.startsWith(SET_ELEMENT_ORDER_PREFIX) ||
      key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
    ) {
      continue;
    }
    if (!retained.has(key)) {
      throw patchErrors.invalidRetainKeys(path, `the patch sets ${JSON.stringify(key)}, which $retainKeys does not list`);
    }
  }
  for (const key of Object.keys(live)) {
    if (!retained.has(key)) delete live[key];
  }
}

/**
 * `$deleteFromPrimitiveList/<field>`: removes every listed value from the live list, whatever the
 * field's strategy (as upstream since kubernetes#110472). Nothing to do when the live object lacks
 * the list.
 */
function deleteFromPrimitiveList(live: JsonObject, field: string, values: JsonValue, path: string): void {
  const fieldPath = childPath(path, field);
  if (!Array.isArray(values)) {
    throw patchErrors.invalidPrimitiveList(fieldPath, `$deleteFromPrimitiveList/${field} must be a list, not ${describeKind(values)}`);
  }
  const current = own(live, field);
  if (current === undefined || current === null) return;
  if (!Array.isArray(current)) throw patchErrors.expectedList(fieldPath, describeKind(current));
  if (elementKind([current, values], fieldPath) === 'object') {
    throw patchErrors.invalidPrimitiveList(
      fieldPath,
      'the list holds objects; remove an element of a merge list with {"$patch": "delete", <merge key>: <value>}',
    );
  }
  setOwn(
    live,
    field,
    current.filter((element) => !values.includes(element)),
  );
}
