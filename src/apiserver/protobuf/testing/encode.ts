/**
 * @module apiserver/protobuf/testing/encode
 *
 * Builds Kubernetes protobuf bodies for tests from tskube's own message definitions, so a test
 * can send exactly the wire fields it is about (protobufjs writes a field only when the object
 * has it). Messages are given in their protobuf shape, not their JSON shape: an IntOrString is
 * `{ type, intVal, strVal }`, a Time `{ seconds, nanos }`, a Quantity `{ string }`.
 */
import { kubernetesProtobufMagic } from '../decode.js';
import { kubernetesSchema } from '../messages/index.js';

/** The message `name` (a tskube schema name, as `Deployment`) encoded from its protobuf-shaped fields. */
export function encodeMessage(name: string, fields: Record<string, unknown>): Uint8Array {
  const type = kubernetesSchema().type(name);
  return type.encode(type.fromObject(fields)).finish();
}

export interface EnvelopeFields {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly raw?: Uint8Array;
  readonly contentEncoding?: string;
  readonly contentType?: string;
}

/** `k8s\0` + a runtime.Unknown, with only the given fields on the wire. */
export function encodeEnvelope(fields: EnvelopeFields): Uint8Array {
  const { apiVersion, kind, ...rest } = fields;
  const typeMeta = { ...(apiVersion !== undefined && { apiVersion }), ...(kind !== undefined && { kind }) };
  const unknown = encodeMessage('Unknown', { typeMeta, ...rest });
  const body = new Uint8Array(kubernetesProtobufMagic.length + unknown.length);
  body.set(kubernetesProtobufMagic, 0);
  body.set(unknown, kubernetesProtobufMagic.length);
  return body;
}

/** A whole body for an object of `kind`, whose `message` is given in protobuf shape. */
export function encodeObject(apiVersion: string, kind: string, message: Record<string, unknown>): Uint8Array {
  return encodeEnvelope({ apiVersion, kind, raw: encodeMessage(kind, message) });
}
