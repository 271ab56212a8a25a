/**
 * @module apiserver/openapi
 *
 * OpenAPI v3 for every served group/version, generated from the `kubernetes-types` package
 * (scripts/generate-openapi.ts), and the unknown-field check behind `fieldValidation`, which reads
 * the same schemas. nonresource.ts serves `/openapi/v3` from openApiRoot() and
 * `/openapi/v3/<path>` from openApiDocument(); the write handlers call findUnknownFields() and
 * word the outcome with strict-errors.ts.
 */
export { openApiDocument, openApiGroupVersion, openApiRoot, type OpenApiDocument, type OpenApiRoot, type SerializedDocument } from './document.js';
export { PATCH_CONTENT_TYPES } from './paths.js';
export type { GroupVersionKind, Schema, SchemaTable } from './schema.js';
export { resolveSchema, schemaForKind, schemaNameForKind, schemaTable } from './schemas.js';
export { findUnknownFieldPathsForApply, findUnknownFields, findUnknownFieldsInSchema, pruneUnknownFields } from './unknown-fields.js';
export { applyUnknownFieldsMessage, goPrint, strictBodyErrorMessage, strictDecodingError, strictDecodingWarnings, strictPatchFieldError } from './strict-errors.js';
