/**
 * @module apiserver/handlers/field-validation
 *
 * `fieldValidation=Strict|Warn|Ignore` on create, update and patch, as upstream: unknown fields in
 * a body (judged against the served OpenAPI schemas) are an error with Strict, a `Warning: 299`
 * header each with Warn (the default), and nothing with Ignore.
 */
import { ApiError, apiErrors } from '../../api/errors.js';
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import type { RequestContext } from '../http.js';
import { findUnknownFields, strictBodyErrorMessage, strictDecodingWarnings, strictPatchFieldError } from '../openapi/index.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn';
  if (value !== 'Strict' && value !== 'Warn' && value !== 'Ignore') {
    throw apiErrors.badRequest(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`);
  }
  return value;
}

/** Checks a create or update body; throws for Strict, adds warnings for Warn. */
export function checkBodyFields(ctx: RequestContext, resource: ResourceInfo, body: unknown): void {
  const mode = fieldValidationOf(ctx.query);
  if (mode === 'Ignore') return;
  const errors = findUnknownFields(groupVersion(resource), resource.kind, body);
  if (errors.length === 0) return;
  if (mode === 'Strict') {
    throw new ApiError(400, 'BadRequest', strictBodyErrorMessage(resource.kind, resource.version, errors));
  }
  warn(ctx, errors);
}

/** Checks the object a patch produced (not the patch, whose directives are not fields). */
export function checkPatchedFields(ctx: RequestContext, resource: ResourceInfo, type: string, patch: unknown, patched: unknown): void {
  const mode = fieldValidationOf(ctx.query);
  if (mode === 'Ignore' || type === 'application/apply-patch+yaml') return;
  const errors = findUnknownFields(groupVersion(resource), resource.kind, patched);
  if (errors.length === 0) return;
  if (mode === 'Strict') {
    const patchType = type as Parameters<typeof strictPatchFieldError>[0];
    throw apiErrors.invalid('', '', '', [strictPatchFieldError(patchType, patched, patch, errors)]);
  }
  warn(ctx, errors);
}

function warn(ctx: RequestContext, errors: readonly string[]): void {
  if (ctx.res.headersSent) return;
  const values = strictDecodingWarnings(errors).map((text) => `299 - ${JSON.stringify(text)}`);
  ctx.res.setHeader('warning', values);
}
