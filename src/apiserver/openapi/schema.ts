/**
 * @module apiserver/openapi/schema
 *
 * The subset of an OpenAPI v3 schema object that tskube's documents use, with upstream's
 * `x-kubernetes-*` extensions. One type is shared by the generator (which writes schemas), the
 * document builder (which serves them) and the unknown-field checker (which walks them), so the
 * three cannot drift apart.
 */

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface Schema {
  readonly description?: string;
  readonly type?: SchemaType;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: Schema;
  /** Upstream wraps a `$ref` that has siblings (description, default) in a one-element allOf. */
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly $ref?: string;
  /** On top-level kinds only, and always a list (DeleteOptions belongs to every group). */
  readonly 'x-kubernetes-group-version-kind'?: readonly GroupVersionKind[];
  readonly 'x-kubernetes-patch-strategy'?: string;
  readonly 'x-kubernetes-patch-merge-key'?: string;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
  readonly 'x-kubernetes-int-or-string'?: boolean;
}

/** Every component schema by its upstream name, e.g. `io.k8s.api.core.v1.Pod`. */
export type SchemaTable = Readonly<Record<string, Schema>>;

export const REF_PREFIX = '#/components/schemas/';

/** The component name a `$ref` points at. */
export function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}
