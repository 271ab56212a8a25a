/**
 * @module apiserver/patch/set-element-order
 *
 * `$setElementOrder/<field>` (upstream's `mergePatchIntoOriginal`): kubectl sends it beside every
 * merge list it patches, listing the elements of the new manifest in order. The list is merged
 * first, then ordered: the elements it names in its order, the live-only ones (added by someone
 * else) interleaved by their live position. Runs before the other fields of the object, which is
 * also why `$deleteFromPrimitiveList` removals happen after it.
 */
import { cleanPatchList, directiveTarget, PATCH_KEY, SET_ELEMENT_ORDER_PREFIX } from './directives.js';
import { orderElements, type ElementIdentity } from './element-order.js';
import { patchErrors } from './errors.js';
import { childPath, describeKind, isJsonObject, own, setOwn, type JsonObject, type JsonValue } from './json.js';
import { fieldMeta, type StructType } from './merge-keys.js';
import { elementKind, mergeKeyIdentity, mergeList, type MergeElement } from './merge-list.js';

/** Handles and removes every `$setElementOrder/...` key of `patch`, and the list fields they name. */
export function applyElementOrders(
  live: JsonObject,
  patch: JsonObject,
  type: StructType | undefined,
  path: string,
  mergeElement: MergeElement,
): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = own(patch, key);
    delete patch[key];
    if (order === undefined) continue;
    if (!Array.isArray(order)) {
      throw patchErrors.invalidSetElementOrder(childPath(path, key), `expected a list, but received ${describeKind(order)}`);
    }
    const field = directiveTarget(key, SET_ELEMENT_ORDER_PREFIX, path);
    const fieldPath = childPath(path, field);
    const liveList = listOrAbsent(own(live, field), fieldPath, true);
    const patchList = listOrAbsent(own(patch, field), fieldPath, false);
    const meta = fieldMeta(type, field);
    const mergeKey = meta?.mergeKey;
    validateElementOrder(patchList ?? [], order, mergeKey, fieldPath);

    let merged: JsonValue[];
    let liveOrder: JsonValue[];
    if (liveList !== undefined && patchList !== undefined) {
      if (meta?.strategy === 'merge') {
        ({ merged, liveOrder } = mergeList(liveList, patchList, meta, fieldPath, mergeElement));
      } else {
        merged = cleanPatchList(patchList, fieldPath);
        liveOrder = liveList;
      }
    } else if (liveList !== undefined) {
      merged = liveList;
      liveOrder = liveList;
    } else if (patchList !== undefined) {
      merged = cleanPatchList(patchList, fieldPath);
      liveOrder = [];
    } else {
      continue;
    }
    elementKind([liveList ?? [], patchList ?? []], fieldPath);
    setOwn(live, field, orderAsListed(merged, order, liveOrder, mergeKey, fieldPath));
    delete patch[field];
  }
}

/**
 * A list field's value, or undefined when absent. A null live value counts as absent (nothing to
 * order); a null patch value beside `$setElementOrder` asks to delete and order the list at once,
 * which upstream rejects.
 */
function listOrAbsent(value: JsonValue | undefined, path: string, isLive: boolean): JsonValue[] | undefined {
  if (value === undefined || (isLive && value === null)) return undefined;
  if (!Array.isArray(value)) throw patchErrors.expectedList(path, describeKind(value));
  return value;
}

/**
 * Upstream's `validatePatchWithSetOrderList`: the patch list's elements (deletions aside) must
 * appear in `$setElementOrder` in the same relative order, or the two disagree about the result.
 */
function validateElementOrder(
  patchList: readonly JsonValue[],
  order: readonly JsonValue[],
  mergeKey: string | undefined,
  path: string,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const entries =
    mergeKey === undefined
      ? patchList
      : patchList.filter((element) => {
          if (!isJsonObject(element)) throw patchErrors.expectedObject(path, describeKind(element));
          return own(element, PATCH_KEY) !== 'delete';
        });
  let p = 0;
  let s = 0;
  for (;;) {
    const element = entries[p];
    const named = order[s];
    if (element === undefined || named === undefined) break;
    if (isJsonObject(element) && own(element, PATCH_KEY) !== undefined) {
      p++;
      continue;
    }
    if (sameElement(element, named, mergeKey, path)) p++;
    s++;
  }
  if (p < entries.length) throw patchErrors.orderMismatch(path, [...patchList], [...order]);
}

function sameElement(element: JsonValue, named: JsonValue, mergeKey: string | undefined, path: string): boolean {
  if (mergeKey === undefined) return element === named;
  if (!isJsonObject(named)) throw patchErrors.invalidSetElementOrder(path, `expected an object, but received ${describeKind(named)}`);
  if (!isJsonObject(element)) throw patchErrors.expectedObject(path, describeKind(element));
  const key = own(named, mergeKey);
  if (key === undefined) throw patchErrors.missingMergeKey(path, named, mergeKey);
  const value = own(element, mergeKey);
  if (value === undefined) throw patchErrors.missingMergeKey(path, element, mergeKey);
  return key === value;
}

/** Orders a merged list: elements `order` names first in its order, live-only ones interleaved. */
function orderAsListed(
  merged: readonly JsonValue[],
  order: readonly JsonValue[],
  liveOrder: readonly JsonValue[],
  mergeKey: string | undefined,
  path: string,
): JsonValue[] {
  let identity: ElementIdentity;
  if (mergeKey === undefined) {
    if (merged.some(isJsonObject)) {
      throw patchErrors.invalidSetElementOrder(path, 'a list of objects needs a merge key to be ordered');
    }
    identity = (element) => element;
  } else {
    for (const element of [...merged, ...order]) {
      if (!isJsonObject(element)) throw patchErrors.invalidSetElementOrder(path, `expected an object, but received ${describeKind(element)}`);
      if (own(element, mergeKey) === undefined) throw patchErrors.missingMergeKey(path, element, mergeKey);
    }
    identity = mergeKeyIdentity(mergeKey);
  }
  const ids = order.map(identity);
  const named = merged.filter((element) => ids.includes(identity(element)));
  const liveOnly = merged.filter((element) => !ids.includes(identity(element)));
  return orderElements(named, liveOnly, order, liveOrder, identity);
}
