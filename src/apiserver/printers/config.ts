/**
 * @module apiserver/printers/config
 *
 * Printers for the small bookkeeping resources whose rows are a name, a count or a single field,
 * and an age: namespaces (STATUS), configmaps (DATA), secrets (TYPE, DATA), serviceaccounts
 * (SECRETS) and leases (HOLDER).
 */
import type { ConfigMap, Namespace, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { nonEmpty } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import type { PrintContext, TableCell, TablePrinter } from './types.js';

// Defaults the API applies on write; used when a stored object lacks them.
const DEFAULT_NAMESPACE_PHASE = 'Active';
const DEFAULT_SECRET_TYPE = 'Opaque';

function orDefault(value: string | undefined, fallback: string): string {
  return nonEmpty(value) ? value : fallback;
}

export const namespacePrinter: TablePrinter<Namespace> = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn],
  cells(ns: Namespace, ctx: PrintContext): TableCell[] {
    return [
      ns.metadata?.name ?? '',
      orDefault(ns.status?.phase, DEFAULT_NAMESPACE_PHASE),
      translateTimestampSince(ns.metadata?.creationTimestamp, ctx.now),
    ];
  },
};

export const configMapPrinter: TablePrinter<ConfigMap> = {
  columns: [nameColumn(), column('Data', 'string', 'Data contains the configuration data.'), ageColumn],
  cells(cm: ConfigMap, ctx: PrintContext): TableCell[] {
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [cm.metadata?.name ?? '', count, translateTimestampSince(cm.metadata?.creationTimestamp, ctx.now)];
  },
};

export const secretPrinter: TablePrinter<Secret> = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data.'),
    ageColumn,
  ],
  cells(secret: Secret, ctx: PrintContext): TableCell[] {
    // The API folds stringData into data on write; count the union in case it has not yet.
    const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    return [
      secret.metadata?.name ?? '',
      orDefault(secret.type, DEFAULT_SECRET_TYPE),
      keys.size,
      translateTimestampSince(secret.metadata?.creationTimestamp, ctx.now),
    ];
  },
};

export const serviceAccountPrinter: TablePrinter<ServiceAccount> = {
  columns: [
    nameColumn(),
    column(
      'Secrets',
      'string',
      'The secrets in this namespace that pods running as this service account may use.',
    ),
    ageColumn,
  ],
  cells(sa: ServiceAccount, ctx: PrintContext): TableCell[] {
    return [
      sa.metadata?.name ?? '',
      (sa.secrets ?? []).length,
      translateTimestampSince(sa.metadata?.creationTimestamp, ctx.now),
    ];
  },
};

export const leasePrinter: TablePrinter<Lease> = {
  columns: [nameColumn(), column('Holder', 'string', 'The identity of the current holder of the lease.'), ageColumn],
  cells(lease: Lease, ctx: PrintContext): TableCell[] {
    return [
      lease.metadata?.name ?? '',
      lease.spec?.holderIdentity ?? '',
      translateTimestampSince(lease.metadata?.creationTimestamp, ctx.now),
    ];
  },
};
