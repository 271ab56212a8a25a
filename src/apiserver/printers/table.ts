/**
 * @module apiserver/printers/table
 *
 * Builds the `meta.k8s.io/v1` Table the API server returns when a client asks for
 * `as=Table` (every `kubectl get`). Like upstream, the server always renders every column,
 * including `-o wide` ones (kubectl hides priority > 0 columns itself), and then trims each row's
 * `object` to what `includeObject` asked for: full metadata by default, the whole object, or
 * nothing.
 */
import { toEpochMillis, type Instant } from './human-duration.js';
import { defaultRegistry, type ResourceRef, type TablePrinterRegistry } from './registry.js';
import type { KubeObject, PrintContext, Table, TableListMeta, TableRow } from './types.js';

/** The `includeObject` query parameter's values (metav1.IncludeObjectPolicy). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

const INCLUDE_OBJECT_VALUES: readonly string[] = ['None', 'Metadata', 'Object'];

/** True for a valid `includeObject` value; anything else is a 400 Bad Request upstream. */
export function isIncludeObject(value: string): value is IncludeObject {
  return INCLUDE_OBJECT_VALUES.includes(value);
}

export interface ToTableOptions {
  /** The time ages are measured against. */
  readonly now: Instant;
  /** What each row's `object` holds; upstream's default is Metadata. */
  readonly includeObject?: IncludeObject;
  /** The revision the objects were read at; `kubectl get -w` starts its watch from it. */
  readonly resourceVersion: string;
  /** The continue token of a paginated list, if more items remain. */
  readonly continue?: string;
  readonly remainingItemCount?: number;
  /** Omit column definitions (a watch sends them only with its first event). */
  readonly noHeaders?: boolean;
  /** Where printers are looked up; the built-in registry by default. */
  readonly registry?: TablePrinterRegistry;
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): Pick<TableRow, 'object'> {
  switch (includeObject) {
    case 'None':
      return {};
    case 'Object':
      return { object: obj };
    case 'Metadata':
      return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} } };
    default:
      throw new TypeError(`unrecognized includeObject value: ${JSON.stringify(includeObject)}`);
  }
}

/**
 * Renders `objects` (one object for a GET, the items for a LIST) of `resource` as a Table.
 *
 * Throws if a printer produces a row whose width differs from its columns: that is a bug in the
 * printer, and a ragged table would make kubectl misalign every column after it.
 */
export function toTable(resource: ResourceRef, objects: readonly KubeObject[], options: ToTableOptions): Table {
  const registry = options.registry ?? defaultRegistry;
  const printer = registry.printerFor(resource);
  const includeObject = options.includeObject ?? 'Metadata';
  const ctx: PrintContext = { now: toEpochMillis(options.now) };

  const rows = objects.map((obj): TableRow => {
    const cells = printer.cells(obj, ctx);
    if (cells.length !== printer.columns.length) {
      throw new Error(
        `printer for ${JSON.stringify(resource)} produced ${cells.length} cells for ${printer.columns.length} columns`,
      );
    }
    const conditions = printer.conditions?.(obj);
    return { cells, ...(conditions !== undefined ? { conditions } : {}), ...rowObject(obj, includeObject) };
  });

  const metadata: TableListMeta = {
    resourceVersion: options.resourceVersion,
    ...(options.continue !== undefined && options.continue !== '' ? { continue: options.continue } : {}),
    ...(options.remainingItemCount !== undefined ? { remainingItemCount: options.remainingItemCount } : {}),
  };

  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.noHeaders === true ? [] : [...printer.columns],
    rows,
  };
}
