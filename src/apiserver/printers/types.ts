/**
 * @module apiserver/printers/types
 *
 * The wire shapes of a `meta.k8s.io/v1` Table (what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) and the contract every per-resource
 * printer implements. Field names and optionality follow apimachinery's Table, TableRow and
 * TableColumnDefinition JSON tags: column fields are always present (no omitempty upstream), row
 * `conditions` only when set.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** A cell: a string, an int64 (as a JS number), a boolean, or null (kubectl prints it empty). */
export type TableCell = string | number | boolean | null;

/** The value types upstream uses for columns (an OpenAPI type name). */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  /** "name" marks the column that holds the object name; kubectl relies on it for `kind/name`. */
  readonly format: string;
  readonly description: string;
  /** 0 is always shown; anything else only with `-o wide`. The server always sends every column. */
  readonly priority: number;
}

/** Upstream's only row condition: "Completed" on pods that Succeeded or Failed. */
export interface TableRowCondition {
  readonly type: 'Completed';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
}

/** Anything with Kubernetes object metadata. Printers accept this and read the fields they need. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** The default `row.object`: the object's full metadata and nothing else. */
export interface PartialObjectMetadata {
  readonly kind: 'PartialObjectMetadata';
  readonly apiVersion: 'meta.k8s.io/v1';
  readonly metadata: ObjectMeta;
}

export interface TableRow {
  /** One cell per column definition, in the same order, including priority > 0 columns. */
  readonly cells: TableCell[];
  readonly conditions?: TableRowCondition[];
  /** Absent when the request said `includeObject=None`. */
  readonly object?: PartialObjectMetadata | KubeObject;
}

export interface TableListMeta {
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: 'meta.k8s.io/v1';
  readonly metadata: TableListMeta;
  readonly columnDefinitions: TableColumnDefinition[];
  readonly rows: TableRow[];
}

/** What a printer may know besides the object: the time "now" is for ages. */
export interface PrintContext {
  /** Epoch milliseconds. */
  readonly now: number;
}

/**
 * One resource's server-side printer: its columns, and how an object becomes cells.
 *
 * `cells` must return exactly `columns.length` cells in column order. Printers read stored
 * objects, which may lack defaulted fields, so every field access must tolerate absence.
 */
export interface TablePrinter<T extends KubeObject = KubeObject> {
  readonly columns: readonly TableColumnDefinition[];
  cells(obj: T, ctx: PrintContext): TableCell[];
  /** Row conditions, when the resource has any (only pods do upstream). */
  conditions?(obj: T): TableRowCondition[] | undefined;
}

/** A resource as the API names it: `{ group: '', resource: 'pods' }`, `{ group: 'apps', ... }`. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}
