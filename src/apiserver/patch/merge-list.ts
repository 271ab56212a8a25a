/**
 * @module apiserver/patch/merge-list
 *
 * Merging a list whose field has the `merge` strategy (upstream's `mergeSlice`). Lists of objects
 * merge element by element on the merge key: `{"$patch": "delete", <key>: v}` removes every
 * element with that key, `{"$patch": "replace"}` makes the other patch elements the whole list, an
 * element whose key the live list has is merged into it, any other is added. Lists of primitives
 * (finalizers, podCIDRs) are merged as sets. The result is then ordered (see element-order).
 */
import { cleanPatchObject, isMergeMarker, parseDirective, PATCH_KEY } from './directives.js';
import { orderElements, type ElementIdentity } from './element-order.js';
import { patchErrors } from './errors.js';
import { elementPath, isJsonObject, kindOf, own, type JsonKind, type JsonObject, type JsonValue } from './json.js';
import type { FieldPatchMeta, StructType } from './merge-keys.js';

/** Merges one live element with one patch element: the object merge, passed in to avoid an import cycle. */
export type MergeElement = (live: JsonObject, patch: JsonObject, type: StructType | undefined, path: string) => JsonObject;

export interface MergedList {
  readonly merged: JsonValue[];
  /**
   * The live list as `$setElementOrder` must see it. Upstream edits the live list in place (a Go
   * slice) while merging: deleted elements are shifted out, and new elements are appended into the
   * slots that frees, all inside the array the caller still reads as "the live list" with its old
   * length. Its ordering step then reads that edited array, so reproducing it is what makes element
   * order match a real API server when a patch deletes and adds elements at once.
   */
  readonly liveOrder: JsonValue[];
}

/** The kind shared by every element of the lists, undefined when they are all empty. */
export function elementKind(lists: readonly (readonly JsonValue[])[], path: string): JsonKind | undefined {
  let kind: JsonKind | undefined;
  for (const list of lists) {
    for (const element of list) {
      const k = kindOf(element);
      if (k === 'array') throw patchErrors.listOfLists(path);
      if (kind === undefined) kind = k;
      else if (kind !== k) throw patchErrors.mixedElements(path);
    }
  }
  return kind;
}

export function mergeKeyIdentity(mergeKey: string): ElementIdentity {
  return (element) => (isJsonObject(element) ? own(element, mergeKey) : undefined);
}

const itself: ElementIdentity = (element) => element;

export function mergeList(
  live: JsonValue[],
  patch: JsonValue[],
  meta: FieldPatchMeta,
  path: string,
  mergeElement: MergeElement,
): MergedList {
  if (live.length === 0 && patch.length === 0) return { merged: [], liveOrder: [] };
  if (elementKind([live, patch], path) !== 'object') {
    const merged = [...new Set([...live, ...patch])];
    const named = merged.filter((element) => patch.includes(element));
    const liveOnly = merged.filter((element) => !patch.includes(element));
    return { merged: orderElements(named, liveOnly, patch, live, itself), liveOrder: live };
  }
  if (meta.mergeKey === undefined) throw patchErrors.noMergeKeyDeclared(path, meta.type?.name ?? 'this list');
  return mergeObjectList(live.filter(isJsonObject), patch.filter(isJsonObject), meta.mergeKey, meta.type, path, mergeElement);
}

interface PatchEntry {
  readonly element: JsonObject;
  readonly index: number;
}

function mergeObjectList(
  live: readonly JsonObject[],
  patch: readonly JsonObject[],
  mergeKey: string,
  type: StructType | undefined,
  path: string,
  mergeElement: MergeElement,
): MergedList {
  // The live list as upstream's slice: a backing array and a length (see MergedList.liveOrder).
  const backing = live.slice();
  let length = backing.length;
  const find = (value: JsonValue) => backing.findIndex((element, at) => at < length && own(element, mergeKey) === value);

  const entries: PatchEntry[] = [];
  let replace = false;
  patch.forEach((element, index) => {
    const at = elementPath(path, index);
    const directive = own(element, PATCH_KEY);
    if (directive === undefined) {
      entries.push({ element, index });
      return;
    }
    switch (parseDirective(directive, element, at)) {
      case 'delete': {
        const value = own(element, mergeKey);
        if (value === undefined) throw patchErrors.missingMergeKey(at, element, mergeKey);
        for (let found = find(value); found >= 0; found = find(value)) {
          backing.copyWithin(found, found + 1, length);
          length--;
        }
        return;
      }
      case 'replace':
        replace = true;
        return;
      case 'merge':
        if (!isMergeMarker(element)) {
          delete element[PATCH_KEY];
          entries.push({ element, index });
        }
        return;
    }
  });
  const liveAfterDeletes = backing.slice(0, length);

  if (replace) {
    // The other patch elements are the list; upstream takes them without merging or reordering.
    const merged = entries.map(({ element, index }) => cleanPatchObject(element, elementPath(path, index)));
    requireMergeKeys(merged, mergeKey, path);
    return { merged, liveOrder: backing.slice(0, live.length) };
  }

  const keyed = entries.map(({ element, index }) => {
    const key = own(element, mergeKey);
    if (key === undefined) throw patchErrors.missingMergeKey(elementPath(path, index), element, mergeKey);
    return { element, index, key };
  });
  for (const { element, index, key } of keyed) {
    const at = elementPath(path, index);
    const found = find(key);
    const target = backing[found];
    if (target !== undefined && found >= 0) {
      backing[found] = mergeElement(target, element, type, at);
    } else {
      const added = cleanPatchObject(element, at);
      if (length < backing.length) backing[length] = added;
      else backing.push(added);
      length++;
    }
  }

  const merged = backing.slice(0, length);
  requireMergeKeys(merged, mergeKey, path);
  const identity = mergeKeyIdentity(mergeKey);
  const patchKeys = keyed.map(({ key }) => key);
  const named = merged.filter((element) => patchKeys.includes(own(element, mergeKey) ?? null));
  const liveOnly = merged.filter((element) => !patchKeys.includes(own(element, mergeKey) ?? null));
  return {
    merged: orderElements(named, liveOnly, keyed.map(({ element }) => element), liveAfterDeletes, identity),
    liveOrder: backing.slice(0, live.length),
  };
}

/** Upstream orders merged lists by merge key, and fails on an element (live ones included) that lacks it. */
function requireMergeKeys(list: readonly JsonObject[], mergeKey: string, path: string): void {
  list.forEach((element, index) => {
    if (own(element, mergeKey) === undefined) throw patchErrors.missingMergeKey(elementPath(path, index), element, mergeKey);
  });
}
