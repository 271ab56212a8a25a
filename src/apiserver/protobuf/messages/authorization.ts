/**
 * @module apiserver/protobuf/messages/authorization
 *
 * Messages of authorization.k8s.io/v1 for SelfSubjectAccessReview, which `kubectl auth can-i`
 * posts as protobuf too. Notation: see `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

export const authorizationMessages: MessageDecls = {
  SelfSubjectAccessReview: {
    metadata: '1 ObjectMeta',
    spec: '2 SelfSubjectAccessReviewSpec !',
    status: '3 SubjectAccessReviewStatus',
  },
  SelfSubjectAccessReviewSpec: {
    resourceAttributes: '1 *ResourceAttributes',
    nonResourceAttributes: '2 *NonResourceAttributes',
  },
  SubjectAccessReviewStatus: {
    allowed: '1 bool !',
    denied: '4 bool',
    reason: '2 string',
    evaluationError: '3 string',
  },
  ResourceAttributes: {
    namespace: '1 string',
    verb: '2 string',
    group: '3 string',
    version: '4 string',
    resource: '5 string',
    subresource: '6 string',
    name: '7 string',
    fieldSelector: '8 *FieldSelectorAttributes',
    labelSelector: '9 *LabelSelectorAttributes',
  },
  NonResourceAttributes: {
    path: '1 string',
    verb: '2 string',
  },
  FieldSelectorAttributes: {
    rawSelector: '1 string',
    requirements: '2 []FieldSelectorRequirement',
  },
  LabelSelectorAttributes: {
    rawSelector: '1 string',
    requirements: '2 []LabelSelectorRequirement',
  },
};
