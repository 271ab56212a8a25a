/**
 * @module apiserver/printers/nodes
 *
 * The node printer: NAME STATUS ROLES AGE VERSION, plus addresses and node info for `-o wide`.
 * STATUS comes only from the Ready condition ("Ready", "NotReady" for False or Unknown, "Unknown"
 * when the kubelet never reported one), with ",SchedulingDisabled" for cordoned nodes; ROLES from
 * the two role label conventions.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { ageColumn, column, nameColumn, wideColumn } from './columns.js';
import { nonEmpty } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import type { PrintContext, TableCell, TablePrinter } from './types.js';

const NODE_ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_NODE_ROLE_LABEL = 'kubernetes.io/role';

/** The STATUS cell. */
export function nodeStatus(node: Node): string {
  const parts: string[] = [];
  // Upstream keeps the last condition of each type; Ready is the only type it prints.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').at(-1);
  if (ready !== undefined) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (node.spec?.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Sorted, de-duplicated roles from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(NODE_ROLE_LABEL_PREFIX)) {
      const role = key.slice(NODE_ROLE_LABEL_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (key === LEGACY_NODE_ROLE_LABEL && nonEmpty(value)) {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

function firstAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

function orUnknown(value: string | undefined): string {
  return nonEmpty(value) ? value : '<unknown>';
}

export const nodePrinter: TablePrinter<Node> = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn,
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    wideColumn('Internal-IP', 'string', 'List of addresses reachable to the node.'),
    wideColumn('External-IP', 'string', 'List of addresses reachable to the node.'),
    wideColumn('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release.'),
    wideColumn('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r'."),
    wideColumn(
      'Container-Runtime',
      'string',
      'ContainerRuntime Version reported by the node through runtime remote API.',
    ),
  ],
  cells(node: Node, ctx: PrintContext): TableCell[] {
    const roles = nodeRoles(node).join(',');
    const info = node.status?.nodeInfo;
    return [
      node.metadata?.name ?? '',
      nodeStatus(node),
      roles === '' ? '<none>' : roles,
      translateTimestampSince(node.metadata?.creationTimestamp, ctx.now),
      info?.kubeletVersion ?? '',
      firstAddress(node, 'InternalIP'),
      firstAddress(node, 'ExternalIP'),
      orUnknown(info?.osImage),
      orUnknown(info?.kernelVersion),
      orUnknown(info?.containerRuntimeVersion),
    ];
  },
};
