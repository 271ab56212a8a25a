/**
 * @module apiserver/printers/default-printer
 *
 * The printer for every resource without a specific one, matching upstream's default table
 * convertor (apiserver registry/rest/table.go): NAME and CREATED AT, the latter a "date" column
 * holding the RFC3339 UTC creation time (kubectl prints it as is; it does not compute an age).
 */
import { createdAtColumn, nameColumn } from './columns.js';
import { parseTimestamp } from './human-duration.js';
import type { KubeObject, TableCell, TablePrinter } from './types.js';

/** What Go prints for a zero time.Time in RFC3339: a missing creationTimestamp looks like this upstream. */
const GO_ZERO_TIME_RFC3339 = '0001-01-01T00:00:00Z';

/**
 * A timestamp as Go's `t.UTC().Format(time.RFC3339)`: whole seconds, "Z" suffix, no fraction.
 */
export function formatRFC3339UTC(timestamp: string | null | undefined): string {
  const ms = parseTimestamp(timestamp);
  if (ms === undefined) return GO_ZERO_TIME_RFC3339;
  // toISOString is "YYYY-MM-DDTHH:MM:SS.sssZ"; Go's RFC3339 layout has no fractional seconds.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const defaultPrinter: TablePrinter<KubeObject> = {
  columns: [nameColumn(), createdAtColumn],
  cells(obj: KubeObject): TableCell[] {
    return [obj.metadata?.name ?? '', formatRFC3339UTC(obj.metadata?.creationTimestamp)];
  },
};
