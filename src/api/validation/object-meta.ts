/**
 * @module api/validation/object-meta
 *
 * Validation of `metadata` shared by every kind, as upstream's `pkg/api/validation/objectmeta.go`
 * and the label helpers of `pkg/apis/meta/v1/validation`. Per-kind strategies call
 * `validateObjectMeta` on create and `validateObjectMetaUpdate` on update, then add their own
 * spec checks to the same list.
 *
 * Go iterates maps in random order; we iterate labels and annotations in insertion order, so the
 * same request always yields the same message.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { fieldErrors, fieldPath, goQuote, type FieldError } from './field-errors.js';
import { byteLength, isLabelValue, isQualifiedName, validateNamespaceName, type NameValidator } from './names.js';

/** The sum of every annotation key and value, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** The two garbage-collection finalizers, which contradict each other. */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

export const FIELD_IMMUTABLE_MESSAGE = 'field is immutable';
export const IS_NEGATIVE_MESSAGE = 'must be greater than or equal to 0';

export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => fieldErrors.invalid(path, name, msg));
}

/** Every key must be a qualified name, every value a label value; errors name the map, not the key. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(key, path));
    errs.push(...isLabelValue(value).map((msg) => fieldErrors.invalid(path, value, msg)));
  }
  return errs;
}

/** Annotation keys follow the label-key rules ignoring case; values are free-form but bounded in total. */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(annotations ?? {})) {
    errs.push(...isQualifiedName(key.toLowerCase()).map((msg) => fieldErrors.invalid(path, key, msg)));
  }
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) {
    errs.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  }
  return errs;
}

/** Bytes counted against TOTAL_ANNOTATION_SIZE_LIMIT_BYTES. */
export function annotationsSize(annotations: Readonly<Record<string, string>> | undefined): number {
  let total = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) total += byteLength(key) + byteLength(value);
  return total;
}

export function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const finalizer of list) {
    errs.push(...isQualifiedName(finalizer).map((msg) => fieldErrors.invalid(path, finalizer, msg)));
  }
  if (list.includes(FINALIZER_ORPHAN_DEPENDENTS) && list.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(
      fieldErrors.invalid(
        path,
        list,
        `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`,
      ),
    );
  }
  return errs;
}

/** Events are never owners: the garbage collector would delete objects when an event expires. */
const BANNED_OWNERS = new Set(['/v1, Kind=Event']);

export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  (refs ?? []).forEach((ref, i) => {
    errs.push(...validateOwnerReference(ref, fieldPath.index(path, i)));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(
          fieldErrors.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  });
  return errs;
}

function validateOwnerReference(ref: OwnerReference, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? '';
  const gv = parseGroupVersion(apiVersion);
  if (apiVersion === '') {
    errs.push(fieldErrors.required(fieldPath.child(path, 'apiVersion'), 'must not be empty'));
  } else if (gv === undefined || gv.version === '') {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'apiVersion'), apiVersion, 'must be <group>/<version> or <version>'));
  }
  if (!ref.kind) errs.push(fieldErrors.required(fieldPath.child(path, 'kind'), 'must not be empty'));
  if (!ref.name) errs.push(fieldErrors.required(fieldPath.child(path, 'name'), 'must not be empty'));
  if (!ref.uid) errs.push(fieldErrors.required(fieldPath.child(path, 'uid'), 'must not be empty'));
  const gvk = `${gv?.group ?? ''}/${gv?.version ?? ''}, Kind=${ref.kind ?? ''}`;
  if (BANNED_OWNERS.has(gvk)) {
    // Go marshals the struct in declaration order; rebuild it so the echoed value reads the same.
    const shown = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      uid: ref.uid,
      ...(ref.controller !== undefined && { controller: ref.controller }),
      ...(ref.blockOwnerDeletion !== undefined && { blockOwnerDeletion: ref.blockOwnerDeletion }),
    };
    errs.push(fieldErrors.invalid(path, shown, `${gvk} is disallowed from being an owner`));
  }
  return errs;
}

/** `schema.ParseGroupVersion`: "v1", "apps/v1", "" (and "/") are fine; more slashes are not. */
function parseGroupVersion(gv: string): { group: string; version: string } | undefined {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: gv };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return undefined;
}

function validateNonnegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(path, value, IS_NEGATIVE_MESSAGE)] : [];
}

export interface ObjectMetaValidationOptions {
  /** Whether the kind is namespaced: then namespace is required, otherwise forbidden. */
  readonly namespaced: boolean;
  /** The kind's name format; usually nameIsDNSSubdomain. */
  readonly nameValidator: NameValidator;
  /** Where metadata sits in the object; `metadata` unless validating an embedded template. */
  readonly path?: string;
}

/**
 * Validates metadata on create. Name generation normally happens before this; if a generateName is
 * still present it is checked too (with a trailing '-' allowed), as upstream does.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, options: ObjectMetaValidationOptions): FieldError[] {
  const path = options.path ?? 'metadata';
  const m = meta ?? {};
  const errs: FieldError[] = [];
  const generateName = m.generateName ?? '';
  const name = m.name ?? '';

  if (generateName !== '') {
    for (const msg of options.nameValidator(generateName, true)) {
      errs.push(fieldErrors.invalid(fieldPath.child(path, 'generateName'), generateName, msg));
    }
  }
  if (name === '') {
    errs.push(fieldErrors.required(fieldPath.child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of options.nameValidator(name, false)) {
      errs.push(fieldErrors.invalid(fieldPath.child(path, 'name'), name, msg));
    }
  }

  const namespace = m.namespace ?? '';
  if (options.namespaced) {
    if (namespace === '') {
      errs.push(fieldErrors.required(fieldPath.child(path, 'namespace')));
    } else {
      for (const msg of validateNamespaceName(namespace, false)) {
        errs.push(fieldErrors.invalid(fieldPath.child(path, 'namespace'), namespace, msg));
      }
    }
  } else if (namespace !== '') {
    errs.push(fieldErrors.forbidden(fieldPath.child(path, 'namespace'), 'not allowed on this type'));
  }

  errs.push(...validateNonnegative(m.generation, fieldPath.child(path, 'generation')));
  errs.push(...validateLabels(m.labels, fieldPath.child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, fieldPath.child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, fieldPath.child(path, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, fieldPath.child(path, 'finalizers')));
  return errs;
}

/**
 * Validates metadata on update: identity and system fields may not change, the resourceVersion
 * must be given, generation never goes backwards, and a terminating object gains no finalizers.
 */
export function validateObjectMetaUpdate(
  next: ObjectMeta | undefined,
  prev: ObjectMeta | undefined,
  path = 'metadata',
): FieldError[] {
  const n = next ?? {};
  const p = prev ?? {};
  const errs: FieldError[] = [];

  if (p.deletionTimestamp) {
    const old = new Set(p.finalizers ?? []);
    const added = [...new Set((n.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (added.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          fieldPath.child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
    }
  }
  if (!n.resourceVersion) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'resourceVersion'), '', 'must be specified for an update'));
  }
  errs.push(...validateNonnegative(n.generation, fieldPath.child(path, 'generation')));
  if ((n.generation ?? 0) < (p.generation ?? 0)) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'generation'), n.generation ?? 0, 'must not be decremented'));
  }

  // Strings and timestamps are Go values, so absent and empty are the same; the grace period is a
  // pointer, so absent (nil) and 0 differ.
  const immutable: [keyof ObjectMeta, unknown, unknown][] = [
    ['name', n.name ?? '', p.name ?? ''],
    ['namespace', n.namespace ?? '', p.namespace ?? ''],
    ['uid', n.uid ?? '', p.uid ?? ''],
    ['creationTimestamp', n.creationTimestamp || undefined, p.creationTimestamp || undefined],
    ['deletionTimestamp', n.deletionTimestamp || undefined, p.deletionTimestamp || undefined],
    ['deletionGracePeriodSeconds', n.deletionGracePeriodSeconds, p.deletionGracePeriodSeconds],
  ];
  for (const [field, now, was] of immutable) {
    if (now !== was) errs.push(fieldErrors.invalid(fieldPath.child(path, field), now, FIELD_IMMUTABLE_MESSAGE));
  }

  errs.push(...validateLabels(n.labels, fieldPath.child(path, 'labels')));
  errs.push(...validateAnnotations(n.annotations, fieldPath.child(path, 'annotations')));
  errs.push(...validateOwnerReferences(n.ownerReferences, fieldPath.child(path, 'ownerReferences')));
  return errs;
}

/** Go's `%#v` of a `[]string`, which upstream's finalizer message embeds. */
function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => goQuote(v)).join(', ')}}`;
}
