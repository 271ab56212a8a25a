/**
 * @module registry/strategy
 *
 * Per-resource rules, kept out of the generic store (upstream's RESTCreateStrategy and
 * RESTUpdateStrategy). The store calls them in one fixed order:
 *   create: prepareForCreate → validate → (store)
 *   update: prepareForUpdate → validateUpdate → (store)
 * `validate*` never mutate; `prepare*` never fail.
 */
import type { ResourceInfo } from '../api/resources.js';
import { jsonEqual, type StoredObject } from '../api/object.js';
import { objectMetaFields } from '../api/selectors/fields.js';
import type { FieldError } from '../api/validation/field-errors.js';
import { nameIsDNSSubdomain, type NameValidator } from '../api/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.js';

export interface Strategy {
  /** Whether a `status` subresource exists: then the main resource ignores status changes. */
  readonly hasStatus: boolean;
  /** Whether PUT without metadata.resourceVersion is allowed (most resources: yes). */
  readonly allowUnconditionalUpdate: boolean;
  /** Clears what a client may not set and applies defaults. */
  prepareForCreate(obj: StoredObject): void;
  /** Carries over what an update may not change. */
  prepareForUpdate(obj: StoredObject, old: StoredObject): void;
  validate(obj: StoredObject): FieldError[];
  validateUpdate(obj: StoredObject, old: StoredObject): FieldError[];
  /** The field set field selectors match against (metadata.name, spec.nodeName, ...). */
  fields(obj: StoredObject): Record<string, string>;
  /** Field selector keys this resource supports besides metadata.name and metadata.namespace. */
  readonly selectableFields: readonly string[];
}

export interface StrategyOptions {
  readonly nameValidator?: NameValidator;
  /** Defaults applied on create and update (kind-specific defaulting, as upstream's SetDefaults). */
  readonly defaults?: (obj: StoredObject) => void;
  /** Kind-specific validation beyond metadata. */
  readonly validateSpec?: (obj: StoredObject) => FieldError[];
  readonly validateSpecUpdate?: (obj: StoredObject, old: StoredObject) => FieldError[];
  readonly extraFields?: (obj: StoredObject) => Record<string, string>;
  /** Called on create after the generic preparation (e.g. a pod's initial status). */
  readonly prepareForCreate?: (obj: StoredObject) => void;
  /** Called on update after defaulting, before generation is judged (e.g. a Service keeps its allocated IPs). */
  readonly prepareForUpdate?: (obj: StoredObject, old: StoredObject) => void;
}

/** Compares the parts of an object that make up its desired state: spec, or data for config kinds. */
function specOf(obj: StoredObject): unknown {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  return rest;
}

export function defineStrategy(info: ResourceInfo, options: StrategyOptions = {}): Strategy {
  const hasStatus = info.subresources.some((s) => s.name === 'status');
  const nameValidator = options.nameValidator ?? nameIsDNSSubdomain;
  const probe = options.extraFields?.({ metadata: {} }) ?? {};
  return {
    hasStatus,
    allowUnconditionalUpdate: true,
    selectableFields: Object.keys(probe),
    prepareForCreate(obj) {
      if (hasStatus) delete obj.status;
      options.defaults?.(obj);
      options.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old) {
      if (hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      options.defaults?.(obj);
      options.prepareForUpdate?.(obj, old);
      // generation counts changes of the desired state only (spec), as upstream.
      const generation = old.metadata.generation ?? 1;
      obj.metadata.generation = jsonEqual(specOf(obj), specOf(old)) ? generation : generation + 1;
    },
    validate(obj) {
      return [...validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameValidator }), ...(options.validateSpec?.(obj) ?? [])];
    },
    validateUpdate(obj, old) {
      return [
        ...validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameValidator }),
        ...validateObjectMetaUpdate(obj.metadata, old.metadata),
        ...(options.validateSpec?.(obj) ?? []),
        ...(options.validateSpecUpdate?.(obj, old) ?? []),
      ];
    },
    fields(obj) {
      return { ...objectMetaFields(obj.metadata, info.namespaced), ...(options.extraFields?.(obj) ?? {}) };
    },
  };
}
