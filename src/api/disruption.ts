/**
 * @module api/disruption
 *
 * PodDisruptionBudget arithmetic, shared by the eviction subresource (which refuses an eviction
 * that would break a budget) and the disruption controller (which reports each budget's status):
 * which pods count as healthy, and how many a budget wants healthy.
 */
import type { PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1.js';

/** A pod as typed clients hold it or as the registry stores it (status unchecked). */
interface PodLike {
  readonly metadata?: { readonly deletionTimestamp?: unknown } | undefined;
  readonly status?: unknown;
}

/** Healthy, as upstream's disruption controller counts it: Ready and not terminating. */
export function podIsHealthy(pod: PodLike): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const status = pod.status as { conditions?: unknown } | undefined;
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as { type?: unknown; status?: unknown }[]) : [];
  return conditions.some((c) => c?.type === 'Ready' && c.status === 'True');
}

/**
 * Pods the budget wants healthy out of `expected`: minAvailable, or all but maxUnavailable —
 * numbers, or percentages of `expected` rounded up, as upstream's GetScaledValueFromIntOrPercent.
 */
export function desiredHealthy(spec: Pick<PodDisruptionBudgetSpec, 'minAvailable' | 'maxUnavailable'> | Record<string, unknown>, expected: number): number {
  const resolve = (value: unknown) => {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\d+%$/.test(value)) return Math.ceil((Number(value.slice(0, -1)) / 100) * expected);
    if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
    return undefined;
  };
  const min = resolve(spec.minAvailable);
  if (min !== undefined) return min;
  const maxUnavailable = resolve(spec.maxUnavailable);
  return maxUnavailable !== undefined ? Math.max(0, expected - maxUnavailable) : 0;
}
