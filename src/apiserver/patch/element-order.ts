/**
 * @module apiserver/patch/element-order
 *
 * The order of a merged list, as upstream computes it (`normalizeElementOrder`,
 * `mergeSortedSlice` in apimachinery `strategicpatch/patch.go`). The elements named by the patch
 * take the patch's order (or `$setElementOrder`'s); the elements only the live object has keep
 * their live order; the two runs are then interleaved, taking a live-only element first only when
 * the live list puts it before the named element it is compared with.
 *
 * One consequence worth knowing: an element that is new (absent from the live list) cannot be
 * compared, so it wins, and without `$setElementOrder` a new element lands *before* the live-only
 * ones ([a, b] patched with [c] gives [c, a, b]). kubectl always sends `$setElementOrder` for merge
 * lists, which is what places its new elements where the manifest has them.
 */
import type { JsonValue } from './json.js';

/** What identifies an element when lists are compared: its merge key value, or itself for primitives. */
export type ElementIdentity = (element: JsonValue) => JsonValue | undefined;

/**
 * @param named   merged elements the patch (or `$setElementOrder`) names
 * @param liveOnly merged elements only the live list has
 * @param namedOrder the order for `named`: the patch list or the `$setElementOrder` list
 * @param liveOrder  the order for `liveOnly` and for interleaving: the live list
 */
export function orderElements(
  named: readonly JsonValue[],
  liveOnly: readonly JsonValue[],
  namedOrder: readonly JsonValue[],
  liveOrder: readonly JsonValue[],
  identity: ElementIdentity,
): JsonValue[] {
  const right = sortByPosition(named, namedOrder, identity);
  const left = sortByPosition(liveOnly, liveOrder, identity);
  return interleave(left, right, liveOrder, identity);
}

function positionIn(list: readonly JsonValue[], element: JsonValue, identity: ElementIdentity): number {
  const id = identity(element);
  return list.findIndex((candidate) => identity(candidate) === id);
}

/** A stable sort by position in `order`; elements `order` lacks keep their relative place. */
function sortByPosition(list: readonly JsonValue[], order: readonly JsonValue[], identity: ElementIdentity): JsonValue[] {
  const positioned = list.map((element) => ({ element, position: positionIn(order, element, identity) }));
  positioned.sort((a, b) => (a.position >= 0 && b.position >= 0 ? a.position - b.position : 0));
  return positioned.map(({ element }) => element);
}

/**
 * Merges two runs that are each already in order. A `left` element goes first only when both it
 * and the `right` element it is compared with are in `liveOrder` and it comes earlier there.
 */
function interleave(
  left: readonly JsonValue[],
  right: readonly JsonValue[],
  liveOrder: readonly JsonValue[],
  identity: ElementIdentity,
): JsonValue[] {
  const merged: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    if (l === undefined) {
      merged.push(...right.slice(j));
      break;
    }
    if (r === undefined) {
      merged.push(...left.slice(i));
      break;
    }
    const li = positionIn(liveOrder, l, identity);
    const ri = positionIn(liveOrder, r, identity);
    if (li >= 0 && ri >= 0 && li < ri) {
      merged.push(l);
      i++;
    } else {
      merged.push(r);
      j++;
    }
  }
  return merged;
}
