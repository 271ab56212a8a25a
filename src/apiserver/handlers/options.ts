/**
 * @module apiserver/handlers/options
 *
 * Query parameters and DeleteOptions bodies, parsed and checked once, with upstream's messages.
 */
import { apiErrors } from '../../api/errors.js';
import { isPlainObject } from '../../api/object.js';
import { parseFieldSelector } from '../../api/selectors/fields.js';
import { isSelectorParseError } from '../../api/selectors/errors.js';
import { parseLabelSelector } from '../../api/selectors/labels.js';
import type { DeleteOptions, ListQuery } from '../../registry/store.js';
import type { Strategy } from '../../registry/strategy.js';
import { integerParam } from '../http.js';

export function parseListQuery(query: URLSearchParams, strategy: Strategy, namespaced: boolean): ListQuery {
  const labelSelector = query.get('labelSelector');
  const fieldSelector = query.get('fieldSelector');
  const allowed = new Set(['metadata.name', ...(namespaced ? ['metadata.namespace'] : []), ...strategy.selectableFields]);
  const match = query.get('resourceVersionMatch') ?? undefined;
  if (match !== undefined && match !== '' && match !== 'Exact' && match !== 'NotOlderThan') {
    throw apiErrors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  const limit = integerParam(query, 'limit');
  try {
    return {
      ...(labelSelector && { labelSelector: parseLabelSelector(labelSelector) }),
      ...(fieldSelector && {
        // The deprecated spec.host is spec.nodeName, as upstream still accepts.
        fieldSelector: parseFieldSelector(fieldSelector, (field) => {
          const canonical = field === 'spec.host' ? 'spec.nodeName' : field;
          return allowed.has(canonical) ? canonical : undefined;
        }),
      }),
      ...(limit !== undefined && { limit }),
      ...(query.get('continue') && { continue: query.get('continue')! }),
      ...(query.has('resourceVersion') && { resourceVersion: query.get('resourceVersion')! }),
      ...(match && { resourceVersionMatch: match }),
    };
  } catch (err) {
    if (isSelectorParseError(err)) throw apiErrors.badRequest(err.message);
    throw err;
  }
}

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw apiErrors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

/** DeleteOptions come from the body (kubectl) and the query (curl), the query winning as upstream. */
export function parseDeleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const options = isPlainObject(body) ? body : {};
  const grace = integerParam(query, 'gracePeriodSeconds') ?? options.gracePeriodSeconds;
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0)) {
    throw apiErrors.badRequest('gracePeriodSeconds: Invalid value: must be a non-negative integer');
  }
  let policy = query.get('propagationPolicy') ?? options.propagationPolicy;
  if (options.orphanDependents === true) policy ??= 'Orphan';
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    throw apiErrors.badRequest(`propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`);
  }
  const pre = isPlainObject(options.preconditions) ? options.preconditions : {};
  const dryRun = isDryRun(query) || (Array.isArray(options.dryRun) && options.dryRun.includes('All'));
  return {
    ...(grace !== undefined && { gracePeriodSeconds: grace as number }),
    ...(policy !== undefined && { propagationPolicy: policy }),
    preconditions: {
      ...(typeof pre.uid === 'string' && { uid: pre.uid }),
      ...(typeof pre.resourceVersion === 'string' && { resourceVersion: pre.resourceVersion }),
    },
    dryRun,
  };
}
