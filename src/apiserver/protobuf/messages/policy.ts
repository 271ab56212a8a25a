/**
 * @module apiserver/protobuf/messages/policy
 *
 * Messages of policy/v1 (k8s.io/api/policy/v1/generated.proto) for PodDisruptionBudget, which
 * `kubectl create poddisruptionbudget` sends as protobuf. Notation: see `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

export const policyMessages: MessageDecls = {
  PodDisruptionBudget: {
    metadata: '1 ObjectMeta',
    spec: '2 PodDisruptionBudgetSpec',
    status: '3 PodDisruptionBudgetStatus',
  },
  PodDisruptionBudgetSpec: {
    minAvailable: '1 *IntOrString',
    selector: '2 *LabelSelector',
    maxUnavailable: '3 *IntOrString',
    unhealthyPodEvictionPolicy: '4 *string',
  },
  PodDisruptionBudgetStatus: {
    observedGeneration: '1 int64',
    disruptedPods: '2 map[string]Time',
    disruptionsAllowed: '3 int32 !',
    currentHealthy: '4 int32 !',
    desiredHealthy: '5 int32 !',
    expectedPods: '6 int32 !',
    conditions: '7 []Condition',
  },
};
