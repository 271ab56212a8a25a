/**
 * @module apiserver/patch
 *
 * Server-side strategic merge patch for tskube's built-in kinds: the merge itself, the per-kind
 * table of patch strategies it follows, and the error it throws for a malformed patch.
 */
export { strategicMergePatch } from './strategic-merge.js';
export { schemaForKind, fieldMeta, type PatchSchema, type StructType, type FieldPatchMeta } from './merge-keys.js';
export { PatchError, PatchErrorCode, isPatchError } from './errors.js';
