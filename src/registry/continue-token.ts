/**
 * @module registry/continue-token
 *
 * The opaque `continue` token of a paginated LIST, shaped like upstream's: base64 of
 * {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the last one returned>"}. It pins every
 * page to the first page's revision, so the pages are one snapshot.
 */
import { apiErrors } from '../api/errors.js';

interface TokenBody {
  v: string;
  rv: number;
  /** The last key returned, relative to the listed prefix. */
  start: string;
}

export function encodeContinue(revision: number, lastKey: string, prefix: string): string {
  const body: TokenBody = { v: 'meta.k8s.io/v1', rv: revision, start: lastKey.slice(prefix.length) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): { revision: number; after: string } {
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw apiErrors.badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (body.v !== 'meta.k8s.io/v1') throw apiErrors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof body.rv !== 'number' || !Number.isSafeInteger(body.rv) || body.rv <= 0) {
    throw apiErrors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof body.start !== 'string' || body.start.length === 0 || body.start.includes('..') || body.start.startsWith('/')) {
    throw apiErrors.badRequest('continue key is not valid: encoded start key is invalid');
  }
  return { revision: body.rv, after: prefix + body.start };
}
