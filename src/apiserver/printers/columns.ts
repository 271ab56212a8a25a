/**
 * @module apiserver/printers/columns
 *
 * Builders for column definitions and the columns many resources share (Name, Age, the wide
 * Containers/Images/Selector trio). Keeping them in one place keeps `type`, `format` and
 * `priority` identical across printers, which is what kubectl keys its behaviour on.
 */
import type { ColumnType, TableColumnDefinition } from './types.js';

export interface ColumnOptions {
  /** "name" for the object-name column; empty otherwise. */
  readonly format?: string;
  /** 1 for `-o wide` columns. */
  readonly priority?: number;
}

/** A column definition with every field present, as upstream serialises it. */
export function column(
  name: string,
  type: ColumnType,
  description: string,
  options: ColumnOptions = {},
): TableColumnDefinition {
  return { name, type, format: options.format ?? '', description, priority: options.priority ?? 0 };
}

/** A priority-1 (wide) column. */
export function wideColumn(name: string, type: ColumnType, description: string): TableColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

// ObjectMeta's own API documentation; upstream takes these descriptions from the same text.
const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources ' +
  'may allow a client to request the generation of an appropriate name automatically. Name is primarily ' +
  'intended for creation idempotence and configuration definition. Cannot be updated. More info: ' +
  'https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not ' +
  'guaranteed to be set in happens-before order across separate operations. Clients may not set this value. ' +
  'It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. ' +
  'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The object-name column. kubectl needs `type: string, format: name` to print `kind/name`. */
export function nameColumn(priority = 0): TableColumnDefinition {
  return column('Name', 'string', NAME_DESCRIPTION, { format: 'name', priority });
}

/** The AGE column: a HumanDuration string, not a date. */
export const ageColumn: TableColumnDefinition = column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

/** The default convertor's creation column: an RFC3339 UTC string typed "date". */
export const createdAtColumn: TableColumnDefinition = column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION);

/** The wide Containers and Images columns of every workload that has a pod template. */
export const containersColumn: TableColumnDefinition = wideColumn(
  'Containers',
  'string',
  'Names of each container in the template.',
);
export const imagesColumn: TableColumnDefinition = wideColumn(
  'Images',
  'string',
  'Images referenced by each container in the template.',
);

/** The wide Selector column of workloads. */
export function selectorColumn(description: string): TableColumnDefinition {
  return wideColumn('Selector', 'string', description);
}
