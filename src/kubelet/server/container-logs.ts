/**
 * @module kubelet/server/container-logs
 *
 * GET /containerLogs/{namespace}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&
 * sinceTime&timestamps&limitBytes — the container's log as plain text, streamed. With follow the
 * response stays open until the container exits or the client goes away (the runtime's log
 * iterator ends on either).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogOptions } from '../runtime/interface.js';
import { kubeletErrors } from './errors.js';
import type { KubeletPodLookup } from './lookup.js';

export async function serveContainerLogs(
  req: IncomingMessage,
  res: ServerResponse,
  target: { namespace: string; pod: string; container: string },
  query: URLSearchParams,
  lookup: KubeletPodLookup,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw kubeletErrors.methodNotAllowed(req.method ?? '');
  const previous = flag(query, 'previous');
  const handle = lookup.findContainer(target.namespace, target.pod, target.container, { previous });
  if (!handle) {
    throw previous
      ? kubeletErrors.badRequest(`previous terminated container "${target.container}" in pod "${target.pod}" not found`)
      : kubeletErrors.notFound(`container "${target.container}" in pod "${target.pod}" is not available`);
  }
  const abort = new AbortController();
  const onClose = () => abort.abort();
  res.once('close', onClose);
  const options = parseLogOptions(query, abort.signal);
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache' });
  // Headers go out now so a follower that has nothing yet still sees the stream open.
  res.flushHeaders();
  try {
    for await (const chunk of handle.runtime.logs(handle.containerId, options)) {
      if (abort.signal.aborted) break;
      if (!res.write(chunk)) await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  } finally {
    res.off('close', onClose);
    abort.abort();
    res.end();
  }
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}

function count(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw kubeletErrors.badRequest(`${name}: invalid value "${value}"`);
  return Number(value);
}

function parseLogOptions(query: URLSearchParams, signal: AbortSignal): LogOptions {
  const tailLines = count(query, 'tailLines');
  const limitBytes = count(query, 'limitBytes');
  const sinceSeconds = count(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  let since: Date | undefined;
  if (sinceSeconds !== undefined) since = new Date(Date.now() - sinceSeconds * 1000);
  else if (sinceTime) {
    since = new Date(sinceTime);
    if (Number.isNaN(since.getTime())) throw kubeletErrors.badRequest(`sinceTime: invalid value "${sinceTime}"`);
  }
  return {
    follow: flag(query, 'follow'),
    timestamps: flag(query, 'timestamps'),
    ...(tailLines !== undefined && tailLines >= 0 && { tailLines }),
    ...(limitBytes !== undefined && limitBytes > 0 && { limitBytes }),
    ...(since && { since }),
    signal,
  };
}
