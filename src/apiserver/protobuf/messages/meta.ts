/**
 * @module apiserver/protobuf/messages/meta
 *
 * Messages of k8s.io/apimachinery: the `runtime.Unknown` envelope, `meta/v1` object metadata and
 * label selectors, and the value types whose JSON form is not a JSON object (Time, MicroTime,
 * Quantity, IntOrString, RawExtension, FieldsV1; `to-json.ts` converts those by name). Notation:
 * see `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

/** The names `to-json.ts` converts with custom rules instead of as JSON objects. */
export const valueMessageNames = ['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawExtension', 'FieldsV1'] as const;
export type ValueMessageName = (typeof valueMessageNames)[number];

export const metaMessages: MessageDecls = {
  // runtime: the body is `k8s\0` + Unknown; `raw` holds the object's own message.
  TypeMeta: {
    apiVersion: '1 string',
    kind: '2 string',
  },
  Unknown: {
    typeMeta: '1 TypeMeta',
    raw: '2 bytes',
    contentEncoding: '3 string',
    contentType: '4 string',
  },
  RawExtension: {
    raw: '1 bytes',
  },

  // meta/v1 Time and MicroTime share one wire message (upstream's Timestamp).
  Time: {
    seconds: '1 int64',
    nanos: '2 int32',
  },
  MicroTime: {
    seconds: '1 int64',
    nanos: '2 int32',
  },
  // resource.Quantity is its canonical string; intstr.IntOrString is a tagged union.
  Quantity: {
    string: '1 string',
  },
  IntOrString: {
    type: '1 int64',
    intVal: '2 int32',
    strVal: '3 string',
  },
  // Upstream names its only field `Raw`; field names never reach the wire.
  FieldsV1: {
    raw: '1 bytes',
  },

  ObjectMeta: {
    name: '1 string',
    generateName: '2 string',
    namespace: '3 string',
    selfLink: '4 string',
    uid: '5 string',
    resourceVersion: '6 string',
    generation: '7 int64',
    creationTimestamp: '8 Time',
    deletionTimestamp: '9 *Time',
    deletionGracePeriodSeconds: '10 *int64',
    labels: '11 map[string]string',
    annotations: '12 map[string]string',
    ownerReferences: '13 []OwnerReference',
    finalizers: '14 []string',
    managedFields: '17 []ManagedFieldsEntry',
  },
  OwnerReference: {
    apiVersion: '5 string !',
    kind: '1 string !',
    name: '3 string !',
    uid: '4 string !',
    controller: '6 *bool',
    blockOwnerDeletion: '7 *bool',
  },
  ManagedFieldsEntry: {
    manager: '1 string',
    operation: '2 string',
    apiVersion: '3 string',
    time: '4 *Time',
    fieldsType: '6 string',
    fieldsV1: '7 *FieldsV1',
    subresource: '8 string',
  },
  Condition: {
    type: '1 string !',
    status: '2 string !',
    observedGeneration: '3 int64',
    lastTransitionTime: '4 Time !',
    reason: '5 string !',
    message: '6 string !',
  },
  LabelSelector: {
    matchLabels: '1 map[string]string',
    matchExpressions: '2 []LabelSelectorRequirement',
  },
  LabelSelectorRequirement: {
    key: '1 string !',
    operator: '2 string !',
    values: '3 []string',
  },
  FieldSelectorRequirement: {
    key: '1 string !',
    operator: '2 string !',
    values: '3 []string',
  },
};
