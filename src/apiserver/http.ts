/**
 * @module apiserver/http
 *
 * The request/response plumbing shared by every handler, for HTTP/2 and HTTP/1.1 alike: reading
 * a bounded body, decoding JSON or YAML, content negotiation (plain JSON or a meta.k8s.io Table),
 * and writing JSON or a Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import type { UserInfo } from './authn/index.js';
import { ApiError, apiErrors } from '../api/errors.js';
import { decodeKubernetesProtobuf, isProtobufDecodeError } from './protobuf/index.js';

export type ServerRequest = IncomingMessage | Http2ServerRequest;
export type ServerResponseLike = ServerResponse | Http2ServerResponse;

/** Upstream's --max-request-body-bytes default (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface RequestContext {
  readonly req: ServerRequest;
  readonly res: ServerResponseLike;
  readonly url: URL;
  readonly query: URLSearchParams;
  readonly user: UserInfo;
  /** Aborts when the client goes away or the server shuts down. */
  readonly signal: AbortSignal;
}

export async function readBody(req: ServerRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw apiErrors.tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw apiErrors.tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: ServerRequest): string {
  const header = req.headers['content-type'];
  return (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a JSON or YAML document into a plain object; anything else is a 400 or 415. */
export function decodeDocument(body: Buffer, type: string, accepted = 'application/json, application/yaml'): unknown {
  const text = body.toString('utf8');
  if (text.trim().length === 0) throw apiErrors.badRequest('the request body is empty');
  if (type === 'application/json' || type === '' || type.endsWith('+json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw apiErrors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'text/yaml') {
    try {
      return parseYaml(text, { maxAliasCount: 100 }) as unknown;
    } catch (err) {
      throw apiErrors.badRequest(`the request body is not valid YAML: ${(err as Error).message}`);
    }
  }
  throw apiErrors.unsupportedMediaType(type, accepted);
}

/** Decodes a body that must be one Kubernetes object (JSON, YAML, or kubectl's protobuf). */
export function decodeObject(body: Buffer, type: string): KubeObject {
  const doc = type === PROTOBUF ? decodeProtobuf(body) : decodeDocument(body, type, `application/json, application/yaml, ${PROTOBUF}`);
  if (!isPlainObject(doc)) throw apiErrors.badRequest('the request body must be a JSON or YAML object');
  if (doc.metadata !== undefined && !isPlainObject(doc.metadata)) {
    throw apiErrors.badRequest('metadata must be an object');
  }
  return doc as KubeObject;
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

function decodeProtobuf(body: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(body).object;
  } catch (err) {
    if (isProtobufDecodeError(err, 'UnknownKind')) throw apiErrors.unsupportedMediaType(PROTOBUF, 'application/json, application/yaml');
    if (isProtobufDecodeError(err)) throw apiErrors.badRequest(`the protobuf body could not be decoded: ${err.message}`);
    throw err;
  }
}

export type ResponseFormat = { kind: 'json' } | { kind: 'table'; includeObject: 'None' | 'Metadata' | 'Object' };

/** Reads Accept: kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io` for printing. */
export function negotiate(req: ServerRequest, query: URLSearchParams): ResponseFormat {
  const header = req.headers.accept;
  const accept = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && (params.get('v') === 'v1' || params.get('v') === 'v1beta1')) {
      const include = query.get('includeObject') ?? 'Metadata';
      if (include !== 'None' && include !== 'Metadata' && include !== 'Object') {
        throw apiErrors.badRequest(`includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`);
      }
      return { kind: 'table', includeObject: include };
    }
  }
  return { kind: 'json' };
}

export function sendJson(res: ServerResponseLike, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export function sendError(res: ServerResponseLike, err: ApiError): void {
  const retryAfter = err.details?.retryAfterSeconds;
  sendJson(res, err.code, err.toStatus(), retryAfter ? { 'retry-after': String(retryAfter) } : {});
}

export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : apiErrors.internal(err instanceof Error ? err.message : String(err), err);
}

/** A query parameter that must be a non-negative integer when present. */
export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw apiErrors.badRequest(`${name}: Invalid value: "${value}": must be a non-negative integer`);
  }
  return Number(value);
}
