/**
 * @module api/selectors/node-selector
 *
 * Whether a node satisfies a pod's `spec.nodeSelector` and required node affinity (upstream's
 * component-helpers `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`), shared by the
 * scheduler's NodeAffinity plugin and the DaemonSet controller's placement, as upstream shares it:
 *   - nodeSelector: every label must be present with that value;
 *   - nodeSelectorTerms are ORed; within a term, every matchExpression (on labels: In, NotIn,
 *     Exists, DoesNotExist, Gt, Lt) and every matchField (metadata.name, In/NotIn) must match;
 *     an empty term matches nothing, as upstream's;
 *   - Gt/Lt compare one integer value; anything else (no value, several, not an integer) fails.
 */
import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from 'kubernetes-types/core/v1.js';

/** What matching reads of a node. */
export type NodeLike = Pick<Node, 'metadata'>;

const INTEGER = /^-?\d+$/;

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const want = values[0];
      if (value === undefined || values.length !== 1 || want === undefined || !INTEGER.test(value) || !INTEGER.test(want)) return false;
      return r.operator === 'Gt' ? BigInt(value) > BigInt(want) : BigInt(value) < BigInt(want);
    }
    default:
      return false;
  }
}

/** One term: all its expressions on labels and all its fields must match; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: NodeLike): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, labels[r.key]))) return false;
  // metadata.name is the only field selectable, with In or NotIn (what validation allows).
  return fields.every((r) => r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && requirementMatches(r, node.metadata?.name ?? ''));
}

/** Any of the selector's terms matches. */
export function nodeSelectorMatches(selector: NodeSelector, node: NodeLike): boolean {
  return selector.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node));
}

/** The node satisfies the pod spec's nodeSelector and required node affinity (if any). */
export function requiredNodeAffinityMatches(spec: PodSpec | undefined, node: NodeLike): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || nodeSelectorMatches(required, node);
}
