/**
 * @module apiserver/protobuf/messages/scheduling
 *
 * Messages of scheduling.k8s.io/v1 for PriorityClass. Notation: see `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

export const schedulingMessages: MessageDecls = {
  PriorityClass: {
    metadata: '1 ObjectMeta',
    value: '2 int32 !',
    globalDefault: '3 bool',
    description: '4 string',
    preemptionPolicy: '5 *string',
  },
};
