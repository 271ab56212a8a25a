/**
 * @module apiserver/handlers/patch
 *
 * Applies a PATCH body to the current object by its media type:
 *   application/json-patch+json             RFC 6902 (fast-json-patch)
 *   application/merge-patch+json            RFC 7386 (json-merge-patch)
 *   application/strategic-merge-patch+json  upstream's strategic merge, with tskube's merge-key table
 *   application/apply-patch+yaml            server-side apply, approximated as a strategic merge of
 *                                           the applied configuration (no managedFields yet)
 * A patch may not change the object's identity (name, namespace, uid).
 */
import fastJsonPatch from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { apiErrors } from '../../api/errors.js';
import { isPlainObject, type StoredObject } from '../../api/object.js';
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import { PatchError, schemaForKind, strategicMergePatch } from '../patch/index.js';

export function applyPatch(type: string, current: StoredObject, patch: unknown, resource: ResourceInfo): StoredObject {
  let result: unknown;
  switch (type) {
    case 'application/json-patch+json':
      result = applyJsonPatch(current, patch);
      break;
    case 'application/merge-patch+json':
      if (!isPlainObject(patch)) throw apiErrors.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      result = jsonMergePatch.apply(structuredClone(current), patch);
      break;
    case 'application/strategic-merge-patch+json':
    case 'application/apply-patch+yaml': {
      const schema = schemaForKind(groupVersion(resource), resource.kind);
      if (!isPlainObject(patch)) throw apiErrors.badRequest('the patch must be a JSON or YAML object');
      try {
        result = strategicMergePatch(current, patch, schema);
      } catch (err) {
        if (err instanceof PatchError) throw err.status === 422 ? apiErrors.unprocessable(err.message) : apiErrors.badRequest(err.message);
        throw err;
      }
      break;
    }
    default:
      throw apiErrors.unsupportedMediaType(
        type,
        'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
      );
  }
  if (!isPlainObject(result) || !isPlainObject(result.metadata)) throw apiErrors.badRequest('the patch removed the object metadata');
  const next = result as StoredObject;
  if (next.metadata.name !== current.metadata.name) {
    throw apiErrors.badRequest(`the name of the object (${next.metadata.name ?? ''}) does not match the name on the URL (${current.metadata.name ?? ''})`);
  }
  if (next.metadata.uid !== undefined && next.metadata.uid !== current.metadata.uid) {
    throw apiErrors.conflict(resource, current.metadata.name ?? '', `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  }
  // A patch that carries a resourceVersion is conditional on it, as upstream.
  const rv = next.metadata.resourceVersion;
  if (rv !== undefined && rv !== current.metadata.resourceVersion) throw apiErrors.modified(resource, current.metadata.name ?? '');
  return next;
}

function applyJsonPatch(current: StoredObject, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw apiErrors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const error = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], current);
  if (error) throw apiErrors.unprocessable(`the server rejected our request due to an error in our request: ${error.message.split('\n')[0]}`);
  try {
    return fastJsonPatch.applyPatch(structuredClone(current), patch as fastJsonPatch.Operation[], true, false).newDocument;
  } catch (err) {
    throw apiErrors.unprocessable(`the server rejected our request due to an error in our request: ${(err as Error).message.split('\n')[0]}`);
  }
}
