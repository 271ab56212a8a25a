/**
 * @module api/tolerations
 *
 * Upstream's Toleration.ToleratesTaint: API semantics that the scheduler (NoSchedule taints) and
 * the node lifecycle controller (NoExecute taints) must agree on, so they share this one copy.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

export function tolerates(toleration: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  if (operator === 'Equal') return (toleration.value ?? '') === (taint.value ?? '');
  return false;
}
