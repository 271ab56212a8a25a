/**
 * @module apiserver/handlers/pod-streams/pod-log
 *
 * GET pods/{name}/log: finds the pod, its container and its node, then streams the kubelet's
 * /containerLogs response back as it arrives (chunked over HTTP/1.1, DATA frames over HTTP/2).
 * With follow=true the response lasts until the kubelet ends it (the container exited) or the
 * client goes away, which closes the kubelet connection too.
 */
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError, apiErrors } from '../../../api/errors.js';
import { isPlainObject } from '../../../api/object.js';
import { fieldErrors, type FieldError } from '../../../api/validation/field-errors.js';
import type { Registry } from '../../../registry/registry.js';
import type { RequestContext } from '../../http.js';
import type { ResourceRequest } from '../../request-info.js';
import { checkLogAvailable, selectContainer } from './containers.js';
import type { KubeletClient } from './kubelet-client.js';

/** Query parameters passed on to the kubelet unchanged (after validation). */
const FORWARDED = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'] as const;

export async function handlePodLog(ctx: RequestContext, info: ResourceRequest, registry: Registry, kubelet: KubeletClient): Promise<void> {
  if (info.verb !== 'get') throw apiErrors.methodNotAllowed(ctx.req.method ?? '', { group: '', plural: 'pods/log' });
  const name = info.name!;
  validateLogOptions(ctx.query, name);
  const pod = await registry.store('', 'v1', 'pods')!.get(info.namespace, name);
  const container = selectContainer(pod, ctx.query.get('container'));
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  if (!nodeName) {
    // As upstream: a pod no node has taken has no log yet, and that is an empty log, not an error.
    ctx.res.writeHead(200, { 'content-type': 'text/plain' });
    ctx.res.end();
    return;
  }
  checkLogAvailable(pod, container, isTrue(ctx.query.get('previous')));
  const location = await kubelet.locate(registry, nodeName);
  const { certPem, keyPem } = await kubelet.clientCertificate();
  const query = new URLSearchParams();
  for (const key of FORWARDED) {
    const value = ctx.query.get(key);
    if (value !== null && value !== '') query.set(key, value);
  }
  const path = `/containerLogs/${[info.namespace!, name, container].map(encodeURIComponent).join('/')}?${query.toString()}`;

  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({
      host: location.host,
      port: location.port,
      path,
      method: 'GET',
      cert: certPem,
      key: keyPem,
      rejectUnauthorized: false,
      agent: false,
      signal: ctx.signal,
    });
    req.once('response', resolve);
    req.once('error', (err) => reject(apiErrors.internal(`Get "https://${location.host}:${location.port}${path}": ${err.message}`, err)));
    req.end();
  });
  try {
    if (upstream.statusCode !== 200) throw await kubeletError(upstream);
    ctx.res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache' });
    // HTTP/1.1 and HTTP/2 responses differ in write()'s overloads, not in what it does.
    const out = ctx.res as NodeJS.WritableStream;
    for await (const chunk of upstream as AsyncIterable<Buffer>) {
      if (ctx.signal.aborted) break;
      if (!out.write(chunk)) await drained(ctx);
    }
    ctx.res.end();
  } catch (err) {
    // The client went away: the kubelet connection is closed with it, and nobody is left to tell.
    if (!ctx.signal.aborted) throw err;
  } finally {
    upstream.destroy();
  }
}

function drained(ctx: RequestContext): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ctx.res.off('drain', done);
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    ctx.res.once('drain', done);
    ctx.signal.addEventListener('abort', done, { once: true });
  });
}

/** The kubelet's error, keeping its Status when it sent one. */
async function kubeletError(res: IncomingMessage): Promise<ApiError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const code = res.statusCode ?? 500;
  try {
    const status = JSON.parse(text) as { kind?: string; message?: string; reason?: string };
    if (status.kind === 'Status' && status.message) return new ApiError(code, status.reason ?? 'InternalError', status.message);
  } catch {
    // Not JSON: the text itself is the message.
  }
  return new ApiError(code, code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError', text.trim() || `kubelet answered ${code}`);
}

const isTrue = (value: string | null) => value === 'true' || value === '1';

/** Upstream's PodLogOptions validation, as one 422 naming every bad field. */
function validateLogOptions(query: URLSearchParams, name: string): void {
  const errs: FieldError[] = [];
  const integer = (field: string, min: number, detail: string) => {
    const value = query.get(field);
    if (value === null || value === '') return;
    if (!/^-?\d+$/.test(value)) throw apiErrors.badRequest(`${field}: invalid value "${value}": must be an integer`);
    if (Number(value) < min) errs.push(fieldErrors.invalid(field, Number(value), detail));
  };
  integer('tailLines', 0, 'must be greater than or equal to 0');
  integer('limitBytes', 1, 'must be greater than 0');
  integer('sinceSeconds', 1, 'must be greater than 0');
  const sinceTime = query.get('sinceTime');
  if (sinceTime && Number.isNaN(Date.parse(sinceTime))) throw apiErrors.badRequest(`sinceTime: invalid value "${sinceTime}": must be an RFC3339 time`);
  if (query.get('sinceSeconds') && sinceTime) {
    errs.push(fieldErrors.forbidden('sinceSeconds', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  }
  if (errs.length > 0) throw apiErrors.invalid('PodLogOptions', '', name, errs);
}
