/**
 * @module apiserver/patch/errors
 *
 * The one error type the strategic merge throws: the patch is malformed (or does not fit the
 * object it is applied to). Messages keep upstream's wording (apimachinery `mergepatch/errors.go`,
 * `strategicpatch/patch.go`), with values shown as JSON rather than Go's `map[...]` and prefixed
 * by the field path, so a user can find the offending part of a large patch.
 *
 * `status` is the HTTP status for the Status the API server answers with. Upstream answers 400
 * for the malformed-directive errors it names and 422 for lists of lists; the rest of its texts
 * (missing merge key, unknown patch type, ...) fall through to a 500 there, which blames the
 * server for a client mistake, so tskube answers 400 for those too.
 */
import type { JsonValue } from './json.js';

export const PatchErrorCode = {
  /** The patch (or the live object) is not a JSON object at its root, or holds non-JSON data. */
  InvalidDocument: 'InvalidDocument',
  /** A `$patch` value other than "delete", "replace" or "merge". */
  UnknownPatchType: 'UnknownPatchType',
  /** An element of a merge list (or of its `$setElementOrder`) lacks the list's merge key. */
  MissingMergeKey: 'MissingMergeKey',
  /** `$setElementOrder/<field>` is not a list, is misspelt, or disagrees with the patch list. */
  InvalidSetElementOrder: 'InvalidSetElementOrder',
  /** `$retainKeys` is not a list, or the patch sets a key the list does not retain. */
  InvalidRetainKeys: 'InvalidRetainKeys',
  /** `$deleteFromPrimitiveList/<field>` is misspelt, not a list, or aimed at a list of objects. */
  InvalidPrimitiveList: 'InvalidPrimitiveList',
  /** A directive or list meets a value of the wrong type (a list that is an object, mixed elements). */
  TypeMismatch: 'TypeMismatch',
  /** A merged list holds lists; upstream rejects these with 422. */
  ListOfLists: 'ListOfLists',
} as const;
export type PatchErrorCode = (typeof PatchErrorCode)[keyof typeof PatchErrorCode];

export class PatchError extends Error {
  override readonly name = 'PatchError';

  constructor(
    readonly code: PatchErrorCode,
    /** Where in the patch the problem is, in field-path notation (`spec.template.spec.containers[1]`); "" for the root. */
    readonly field: string,
    /** The message without the field path. */
    readonly detail: string,
  ) {
    super(field === '' ? detail : `${field}: ${detail}`);
  }

  get status(): 400 | 422 {
    return this.code === PatchErrorCode.ListOfLists ? 422 : 400;
  }
}

export function isPatchError(err: unknown, code?: PatchErrorCode): err is PatchError {
  return err instanceof PatchError && (code === undefined || err.code === code);
}

const RENDER_LIMIT = 200;

/** A value for a message: JSON, cut short so that a huge patch cannot make a huge message. */
export function render(value: JsonValue | undefined): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > RENDER_LIMIT ? `${text.slice(0, RENDER_LIMIT)}…` : text;
}

export const patchErrors = {
  invalidDocument: (detail: string) => new PatchError('InvalidDocument', '', `invalid JSON document: ${detail}`),
  unknownPatchType: (field: string, value: JsonValue, map: JsonValue) =>
    new PatchError(
      'UnknownPatchType',
      field,
      `unknown patch type: ${render(value)} in map: ${render(map)} (expected "delete", "replace" or "merge")`,
    ),
  missingMergeKey: (field: string, map: JsonValue, mergeKey: string) =>
    new PatchError('MissingMergeKey', field, `map: ${render(map)} does not contain declared merge key: ${mergeKey}`),
  invalidSetElementOrder: (field: string, detail: string) =>
    new PatchError('InvalidSetElementOrder', field, `invalid patch format of setElementOrder list: ${detail}`),
  orderMismatch: (field: string, list: JsonValue, order: JsonValue) =>
    new PatchError(
      'InvalidSetElementOrder',
      field,
      `the order in patch list ${render(list)} doesn't match $setElementOrder list ${render(order)}`,
    ),
  invalidRetainKeys: (field: string, detail: string) =>
    new PatchError('InvalidRetainKeys', field, `invalid patch format of retainKeys: ${detail}`),
  invalidPrimitiveList: (field: string, detail: string) =>
    new PatchError('InvalidPrimitiveList', field, `invalid patch format of primitive list: ${detail}`),
  expectedList: (field: string, received: string) =>
    new PatchError('TypeMismatch', field, `expected a list, but received ${received}`),
  expectedObject: (field: string, received: string) =>
    new PatchError('TypeMismatch', field, `expected an object, but received ${received}`),
  mixedElements: (field: string) => new PatchError('TypeMismatch', field, 'list element types are not identical'),
  noMergeKeyDeclared: (field: string, typeName: string) =>
    new PatchError('TypeMismatch', field, `cannot merge lists without merge key for ${typeName}`),
  listOfLists: (field: string) => new PatchError('ListOfLists', field, 'lists of lists are not supported'),
};
