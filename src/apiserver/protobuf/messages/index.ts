/**
 * @module apiserver/protobuf/messages
 *
 * Every message tskube can decode, merged into one schema, and the kinds a body may carry. The
 * schema is built on first use: importing the decoder costs nothing until a protobuf body arrives.
 */
import { buildSchema, type MessageDecls, type Schema } from '../schema.js';
import { appsMessages } from './apps.js';
import { authenticationMessages } from './authentication.js';
import { authorizationMessages } from './authorization.js';
import { batchMessages } from './batch.js';
import { coreContainerMessages } from './core-container.js';
import { corePodMessages } from './core-pod.js';
import { coreVolumeMessages } from './core-volumes.js';
import { coreMessages } from './core.js';
import { metaMessages } from './meta.js';
import { policyMessages } from './policy.js';
import { schedulingMessages } from './scheduling.js';

/**
 * The kinds a `runtime.Unknown` envelope may name, and the message its `raw` bytes hold: what
 * kubectl 1.32 sends as protobuf (`create <generator>`, `create token`, `auth can-i`).
 */
export const protobufKinds: readonly { readonly apiVersion: string; readonly kind: string; readonly message: string }[] = [
  { apiVersion: 'v1', kind: 'Namespace', message: 'Namespace' },
  { apiVersion: 'v1', kind: 'ConfigMap', message: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret', message: 'Secret' },
  { apiVersion: 'v1', kind: 'ServiceAccount', message: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Service', message: 'Service' },
  { apiVersion: 'v1', kind: 'ResourceQuota', message: 'ResourceQuota' },
  { apiVersion: 'apps/v1', kind: 'Deployment', message: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job', message: 'Job' },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', message: 'TokenRequest' },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', message: 'SelfSubjectAccessReview' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', message: 'PriorityClass' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', message: 'PodDisruptionBudget' },
];

const byKind = new Map(protobufKinds.map((k) => [`${k.apiVersion}\0${k.kind}`, k.message]));

/** The message name for an apiVersion and kind, or undefined when tskube cannot decode that kind. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  return byKind.get(`${apiVersion}\0${kind}`);
}

/** Merges declaration sets, refusing a message name declared twice (the wire would be ambiguous). */
function merge(...parts: readonly MessageDecls[]): MessageDecls {
  const out: Record<string, MessageDecls[string]> = {};
  for (const part of parts) {
    for (const [name, decl] of Object.entries(part)) {
      if (name in out) throw new Error(`protobuf schema: message ${name} declared twice`);
      out[name] = decl;
    }
  }
  return out;
}

export const allMessages: MessageDecls = merge(
  metaMessages,
  coreMessages,
  corePodMessages,
  coreContainerMessages,
  coreVolumeMessages,
  appsMessages,
  batchMessages,
  authenticationMessages,
  authorizationMessages,
  schedulingMessages,
  policyMessages,
);

let schema: Schema | undefined;

/** The schema of every message above, built once. */
export function kubernetesSchema(): Schema {
  schema ??= buildSchema(allMessages);
  return schema;
}
