/**
 * @module apiserver/printers/workloads
 *
 * Printers for the workload controllers' objects: deployments (READY "x/y", UP-TO-DATE,
 * AVAILABLE), replicasets (DESIRED, CURRENT, READY), daemonsets (DESIRED, CURRENT, READY,
 * UP-TO-DATE, AVAILABLE, NODE SELECTOR) and poddisruptionbudgets (MIN AVAILABLE, MAX
 * UNAVAILABLE, ALLOWED DISRUPTIONS). Counts are integer cells; upstream declares some of those
 * columns as type "string" and we keep its declarations as they are.
 */
import type { DaemonSet, Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import {
  ageColumn,
  column,
  containersColumn,
  imagesColumn,
  nameColumn,
  selectorColumn,
} from './columns.js';
import {
  containerCells,
  formatLabels,
  formatLabelSelector,
  intOrStringText,
  isSet,
  labelSelectorString,
} from './format.js';
import { translateTimestampSince } from './human-duration.js';
import type { PrintContext, TableCell, TablePrinter } from './types.js';

/** spec.replicas as the API defaults it for deployments and replicasets when unset. */
const DEFAULT_REPLICAS = 1;

export const deploymentPrinter: TablePrinter<Deployment> = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'string',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    column(
      'Available',
      'string',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('Label selector for the pods (and through them the replica sets) this deployment manages.'),
  ],
  cells(deployment: Deployment, ctx: PrintContext): TableCell[] {
    const status = deployment.status ?? {};
    const desired = deployment.spec?.replicas ?? DEFAULT_REPLICAS;
    const [names, images] = containerCells(deployment.spec?.template?.spec?.containers);
    // Unlike other workloads, upstream prints the bare selector here ("" when empty).
    const selector = labelSelectorString(deployment.spec?.selector) ?? '<invalid>';
    return [
      deployment.metadata?.name ?? '',
      `${status.readyReplicas ?? 0}/${desired}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      translateTimestampSince(deployment.metadata?.creationTimestamp, ctx.now),
      names,
      images,
      selector,
    ];
  },
};

export const replicaSetPrinter: TablePrinter<ReplicaSet> = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  cells(rs: ReplicaSet, ctx: PrintContext): TableCell[] {
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata?.name ?? '',
      rs.spec?.replicas ?? DEFAULT_REPLICAS,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      translateTimestampSince(rs.metadata?.creationTimestamp, ctx.now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};

export const daemonSetPrinter: TablePrinter<DaemonSet> = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    column(
      'Current',
      'integer',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
    ),
    column(
      'Ready',
      'integer',
      'Nodes that should run the daemon pod and have at least one running with a Ready condition.',
    ),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
    column(
      'Available',
      'integer',
      'Nodes that should run the daemon pod and have at least one running and available.',
    ),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node."),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  cells(ds: DaemonSet, ctx: PrintContext): TableCell[] {
    const status = ds.status;
    const podSpec = ds.spec?.template?.spec;
    const [names, images] = containerCells(podSpec?.containers);
    return [
      ds.metadata?.name ?? '',
      status?.desiredNumberScheduled ?? 0,
      status?.currentNumberScheduled ?? 0,
      status?.numberReady ?? 0,
      status?.updatedNumberScheduled ?? 0,
      status?.numberAvailable ?? 0,
      formatLabels(podSpec?.nodeSelector),
      translateTimestampSince(ds.metadata?.creationTimestamp, ctx.now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

export const podDisruptionBudgetPrinter: TablePrinter<PodDisruptionBudget> = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  cells(pdb: PodDisruptionBudget, ctx: PrintContext): TableCell[] {
    const minAvailable = pdb.spec?.minAvailable;
    const maxUnavailable = pdb.spec?.maxUnavailable;
    return [
      pdb.metadata?.name ?? '',
      isSet(minAvailable) ? intOrStringText(minAvailable) : 'N/A',
      isSet(maxUnavailable) ? intOrStringText(maxUnavailable) : 'N/A',
      pdb.status?.disruptionsAllowed ?? 0,
      translateTimestampSince(pdb.metadata?.creationTimestamp, ctx.now),
    ];
  },
};
