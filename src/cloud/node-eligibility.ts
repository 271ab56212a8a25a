/**
 * @module cloud/node-eligibility
 *
 * Which nodes a load balancer may send traffic to, judged from the Node object alone (health
 * checks come on top, for externalTrafficPolicy Local). As the cloud provider's service
 * controller did before its "stable node set" (Kubernetes 1.27): a node must be Ready and
 * schedulable, and not labelled `node.kubernetes.io/exclude-from-external-load-balancers`. Newer
 * upstream keeps NotReady nodes in the set and leaves them to the balancer's health checks; here
 * a node whose agent died leaves the backends once the node lifecycle controller marks it, since
 * for Cluster policy nothing else would notice.
 */
import type { Node } from './types.js';

/** Nodes carrying this label (any value) are never load-balancer backends. */
export const LABEL_EXCLUDE_FROM_EXTERNAL_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

export type Eligibility = { readonly eligible: true; readonly address: string } | { readonly eligible: false; readonly reason: string };

export function nodeEligibility(node: Node): Eligibility {
  if (node.metadata?.labels?.[LABEL_EXCLUDE_FROM_EXTERNAL_LB] !== undefined) {
    return { eligible: false, reason: `labelled ${LABEL_EXCLUDE_FROM_EXTERNAL_LB}` };
  }
  if (node.metadata?.deletionTimestamp) return { eligible: false, reason: 'being deleted' };
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return { eligible: false, reason: `NotReady (Ready=${ready?.status ?? 'missing'})` };
  if (node.spec?.unschedulable) return { eligible: false, reason: 'unschedulable (cordoned)' };
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!address) return { eligible: false, reason: 'no InternalIP' };
  return { eligible: true, address };
}
