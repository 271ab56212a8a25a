/**
 * @module apiserver/printers
 *
 * Server-side printing for `kubectl get`: per-resource Table printers following upstream's
 * pkg/printers/internalversion, a default NAME / CREATED AT printer for everything else, and
 * {@link toTable}, which renders objects as a `meta.k8s.io/v1` Table. The API server calls
 * `toTable` when a request's Accept header asks for `as=Table`.
 */
export {
  humanDuration,
  parseTimestamp,
  toEpochMillis,
  translateTimestampSince,
  type Instant,
} from './human-duration.js';
export { defaultRegistry, createDefaultRegistry, TablePrinterRegistry, type ResourceRef } from './registry.js';
export { isIncludeObject, toTable, type IncludeObject, type ToTableOptions } from './table.js';
export { defaultPrinter, formatRFC3339UTC } from './default-printer.js';
export { podStatusSummary, type PodStatusSummary } from './pods.js';
export type {
  ColumnType,
  GroupResource,
  KubeObject,
  PartialObjectMetadata,
  PrintContext,
  Table,
  TableCell,
  TableColumnDefinition,
  TableListMeta,
  TableRow,
  TableRowCondition,
  TablePrinter,
} from './types.js';
