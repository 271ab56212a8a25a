/**
 * @module apiserver/protobuf/messages/batch
 *
 * Messages of batch/v1 (k8s.io/api/batch/v1/generated.proto) for Job. Notation: see
 * `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

export const batchMessages: MessageDecls = {
  Job: {
    metadata: '1 ObjectMeta',
    spec: '2 JobSpec',
    status: '3 JobStatus',
  },
  JobSpec: {
    parallelism: '1 *int32',
    completions: '2 *int32',
    activeDeadlineSeconds: '3 *int64',
    podFailurePolicy: '11 *PodFailurePolicy',
    successPolicy: '16 *SuccessPolicy',
    backoffLimit: '7 *int32',
    backoffLimitPerIndex: '12 *int32',
    maxFailedIndexes: '13 *int32',
    selector: '4 *LabelSelector',
    manualSelector: '5 *bool',
    template: '6 PodTemplateSpec !',
    ttlSecondsAfterFinished: '8 *int32',
    completionMode: '9 *string',
    suspend: '10 *bool',
    podReplacementPolicy: '14 *string',
    managedBy: '15 *string',
  },
  JobStatus: {
    conditions: '1 []JobCondition',
    startTime: '2 *Time',
    completionTime: '3 *Time',
    active: '4 int32',
    succeeded: '5 int32',
    failed: '6 int32',
    terminating: '11 *int32',
    completedIndexes: '7 string',
    failedIndexes: '10 *string',
    uncountedTerminatedPods: '8 *UncountedTerminatedPods',
    ready: '9 *int32',
  },
  PodFailurePolicy: {
    rules: '1 []PodFailurePolicyRule !',
  },
  SuccessPolicy: {
    rules: '1 []SuccessPolicyRule !',
  },
  JobCondition: {
    type: '1 string !',
    status: '2 string !',
    lastProbeTime: '3 Time',
    lastTransitionTime: '4 Time',
    reason: '5 string',
    message: '6 string',
  },
  UncountedTerminatedPods: {
    succeeded: '1 []string',
    failed: '2 []string',
  },
  PodFailurePolicyRule: {
    action: '1 string !',
    onExitCodes: '2 *PodFailurePolicyOnExitCodesRequirement',
    onPodConditions: '3 []PodFailurePolicyOnPodConditionsPattern',
  },
  SuccessPolicyRule: {
    succeededIndexes: '1 *string',
    succeededCount: '2 *int32',
  },
  PodFailurePolicyOnExitCodesRequirement: {
    containerName: '1 *string',
    operator: '2 string !',
    values: '3 []int32 !',
  },
  PodFailurePolicyOnPodConditionsPattern: {
    type: '1 string !',
    status: '2 string !',
  },
};
