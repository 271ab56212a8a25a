/**
 * @module cloud/types
 *
 * The API shapes the cloud provider's service controller reads and writes.
 */
import type { Node as NodeType, Service as ServiceType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';

export type Service = ServiceType & KubeObject;
export type Node = NodeType & KubeObject;

/** `namespace/name` of the one Service a balancer fronts. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export function formatServiceRef(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}`;
}

export class ServiceRefError extends Error {
  override readonly name = 'ServiceRefError';
  readonly code = 'CLOUD_BAD_SERVICE_REF';
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Parses `namespace/name`, or `name` alone in the "default" namespace (as kubectl without -n). */
export function parseServiceRef(value: string): ServiceRef {
  const parts = value.trim().split('/');
  const [namespace, name] = parts.length === 1 ? ['default', parts[0]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : ['', ''];
  if (!DNS1123_LABEL.test(namespace) || !DNS1035_LABEL.test(name)) {
    throw new ServiceRefError(`${JSON.stringify(value)} is not a Service; write NAMESPACE/NAME, e.g. --service default/web.`);
  }
  return { namespace, name };
}
