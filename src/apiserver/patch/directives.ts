/**
 * @module apiserver/patch/directives
 *
 * The strategic-merge-patch directives (apimachinery `strategicpatch/patch.go`), how their keys
 * are parsed, and `cleanPatchValue`: what a patch value becomes when it is taken as it is rather
 * than merged into a live value.
 */
import { patchErrors } from './errors.js';
import { childPath, elementPath, isJsonObject, own, setOwn, type JsonObject, type JsonValue } from './json.js';

/** `"$patch": ...` inside an object or a list element. */
export const PATCH_KEY = '$patch';
/** `"$retainKeys": [...]`: after merging, keep only these keys of the object. */
export const RETAIN_KEYS_KEY = '$retainKeys';
/** `"$setElementOrder/<field>": [...]`: the final order of list <field>. */
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
/** `"$deleteFromPrimitiveList/<field>": [...]`: values to remove from primitive list <field>. */
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

export type PatchDirective = 'delete' | 'replace' | 'merge';

/**
 * The value of a `$patch` key. "merge" is the default spelled out: upstream rejects it (it never
 * generates it), tskube accepts it as a no-op, as the compat checklist describes.
 */
export function parseDirective(value: JsonValue, holder: JsonObject, path: string): PatchDirective {
  if (value === 'delete' || value === 'replace' || value === 'merge') return value;
  throw patchErrors.unknownPatchType(path, value, holder);
}

/** `{"$patch": "merge"}` alone: a list-level marker saying "merge", which is the default anyway. */
export function isMergeMarker(element: JsonValue): boolean {
  return isJsonObject(element) && Object.keys(element).length === 1 && own(element, PATCH_KEY) === 'merge';
}

/**
 * The field a prefixed directive key names: "$setElementOrder/containers" → "containers".
 * Upstream splits at the first "/" and wants exactly the prefix before it.
 */
export function directiveTarget(key: string, prefix: string, path: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix || slash === key.length - 1) {
    const detail = `${JSON.stringify(key)} is not of the form "${prefix}/<field>"`;
    throw prefix === SET_ELEMENT_ORDER_PREFIX
      ? patchErrors.invalidSetElementOrder(path, detail)
      : patchErrors.invalidPrimitiveList(path, detail);
  }
  return key.slice(slash + 1);
}

/** Keys that steer the merge and never belong in the result. */
function isDirectiveKey(key: string): boolean {
  return (
    key === PATCH_KEY ||
    key === RETAIN_KEYS_KEY ||
    key.startsWith(SET_ELEMENT_ORDER_PREFIX) ||
    key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
  );
}

/**
 * A patch value taken as it is: for a field the live object lacks (or holds with another type),
 * a new element of a merge list, a replaced list or object. Upstream's rules (removeDirectives,
 * discardNullValuesFromPatch): an object carrying `$patch: delete|replace` is dropped, nulls inside
 * objects are dropped. Directive keys left inside are dropped as well; upstream's typed decoding
 * drops them after the merge, and tskube stores the result as it is, so it has to do it here.
 * Returns undefined when the value itself is to be dropped.
 */
export function cleanPatchValue(value: JsonValue, path: string): JsonValue | undefined {
  if (Array.isArray(value)) return cleanPatchList(value, path);
  if (!isJsonObject(value)) return value;
  const directive = own(value, PATCH_KEY);
  if (directive !== undefined && parseDirective(directive, value, path) !== 'merge') return undefined;
  return cleanPatchObject(value, path);
}

/** The fields of a patch object taken as they are; a `$patch` on the object itself is ignored. */
export function cleanPatchObject(object: JsonObject, path: string): JsonObject {
  const cleaned: JsonObject = {};
  for (const key of Object.keys(object)) {
    const field = object[key];
    if (field === undefined || field === null || isDirectiveKey(key)) continue;
    const kept = cleanPatchValue(field, childPath(path, key));
    if (kept !== undefined) setOwn(cleaned, key, kept);
  }
  return cleaned;
}

export function cleanPatchList(list: readonly JsonValue[], path: string): JsonValue[] {
  const cleaned: JsonValue[] = [];
  list.forEach((element, index) => {
    if (isMergeMarker(element)) return;
    const kept = cleanPatchValue(element, elementPath(path, index));
    if (kept !== undefined) cleaned.push(kept);
  });
  return cleaned;
}
