/**
 * @module apiserver/openapi/parameters
 *
 * The path and query parameters of tskube's resource operations, named and typed as upstream
 * declares them. kubectl looks for `fieldValidation` on a kind's PATCH operation before it lets the
 * server validate (`kubectl apply|create|replace`), so those names matter; the descriptions are
 * tskube's own.
 */

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly required?: true;
  readonly schema: { readonly type: 'string' | 'integer' | 'boolean'; readonly uniqueItems: true };
}

const query = (name: string, type: 'string' | 'integer' | 'boolean', description: string): Parameter => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const path = (name: string, description: string): Parameter => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: { type: 'string', uniqueItems: true },
});

export const PARAM = {
  name: (kind: string) => path('name', `name of the ${kind}`),
  namespace: path('namespace', 'the namespace the object lives in'),
  pretty: query('pretty', 'string', "If 'true', the response is indented for reading."),

  dryRun: query('dryRun', 'string', 'When set to All, the request is validated and admitted but nothing is persisted.'),
  fieldManager: query('fieldManager', 'string', 'Name of the actor making the change, recorded in metadata.managedFields; at most 128 printable characters.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'What to do with unknown or duplicate fields in the request body: Ignore drops them silently, Warn (the default) drops them and returns a Warning header for each, Strict rejects the request with a BadRequest error naming every such field.',
  ),
  force: query('force', 'boolean', 'Apply requests only: take over fields owned by other managers instead of failing with a conflict.'),

  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds to wait before deleting the object; 0 deletes it immediately.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are orphaned rather than garbage collected.'),
  propagationPolicy: query('propagationPolicy', 'string', 'How dependents are garbage collected: Orphan, Background or Foreground.'),

  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'Watch only: also send BOOKMARK events carrying the current resourceVersion.'),
  continue: query('continue', 'string', 'The token from a previous limited list, to fetch the next chunk.'),
  fieldSelector: query('fieldSelector', 'string', 'Only return objects whose fields match this selector.'),
  labelSelector: query('labelSelector', 'string', 'Only return objects whose labels match this selector.'),
  limit: query('limit', 'integer', 'Return at most this many objects and a continue token for the rest.'),
  resourceVersion: query('resourceVersion', 'string', 'Which resource version the request may be served from (see resourceVersionMatch).'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion is applied to a list: Exact or NotOlderThan.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'Watch only: start with synthetic ADDED events for the current state, then a bookmark.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Limit the duration of the list or watch call.'),
  watch: query('watch', 'boolean', 'Stream changes to the listed objects instead of returning them once.'),

  container: query('container', 'string', 'The container to read logs from; may be omitted when the pod has one container.'),
  follow: query('follow', 'boolean', 'Keep the log stream open and send new lines as they are written.'),
  limitBytes: query('limitBytes', 'integer', 'Stop after this many bytes of log output.'),
  previous: query('previous', 'boolean', "Return the logs of the container's previous, terminated instance."),
  sinceSeconds: query('sinceSeconds', 'integer', 'Only return log lines newer than this many seconds.'),
  tailLines: query('tailLines', 'integer', 'Only return this many lines from the end of the log.'),
  timestamps: query('timestamps', 'boolean', 'Prefix every log line with its RFC3339 timestamp.'),
} as const;

export const WRITE_PARAMS: readonly Parameter[] = [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation];
export const PATCH_PARAMS: readonly Parameter[] = [...WRITE_PARAMS, PARAM.force];
export const DELETE_PARAMS: readonly Parameter[] = [PARAM.dryRun, PARAM.gracePeriodSeconds, PARAM.orphanDependents, PARAM.propagationPolicy];
export const LIST_PARAMS: readonly Parameter[] = [
  PARAM.allowWatchBookmarks,
  PARAM.continue,
  PARAM.fieldSelector,
  PARAM.labelSelector,
  PARAM.limit,
  PARAM.resourceVersion,
  PARAM.resourceVersionMatch,
  PARAM.sendInitialEvents,
  PARAM.timeoutSeconds,
  PARAM.watch,
];
export const DELETE_COLLECTION_PARAMS: readonly Parameter[] = [
  PARAM.continue,
  PARAM.dryRun,
  PARAM.fieldSelector,
  PARAM.gracePeriodSeconds,
  PARAM.labelSelector,
  PARAM.limit,
  PARAM.orphanDependents,
  PARAM.propagationPolicy,
  PARAM.resourceVersion,
  PARAM.resourceVersionMatch,
  PARAM.sendInitialEvents,
  PARAM.timeoutSeconds,
];
export const LOG_PARAMS: readonly Parameter[] = [
  PARAM.container,
  PARAM.follow,
  PARAM.limitBytes,
  PARAM.previous,
  PARAM.sinceSeconds,
  PARAM.tailLines,
  PARAM.timestamps,
];
