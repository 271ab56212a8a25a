/**
 * @module apiserver/protobuf/decode
 *
 * Decodes an `application/vnd.kubernetes.protobuf` request body into the JSON object the same
 * request would have carried as `application/json`. kubectl 1.32's typed clients send protobuf
 * with no JSON fallback (`create <generator>`, `create token`, `auth can-i`), and tskube answers
 * and stores JSON, so the handler decodes here and carries on as if JSON had arrived.
 *
 * The body is the 4 bytes `k8s\0` and a `runtime.Unknown` whose `typeMeta` names the kind and
 * whose `raw` bytes are the object's own message (upstream `runtime/serializer/protobuf`).
 */
import type protobuf from 'protobufjs';
import { isProtobufDecodeError, protobufDecodeErrors, withKind } from './errors.js';
import { kubernetesSchema, messageForKind } from './messages/index.js';
import { messageToJson, type JsonObject, type JsonValue, type PlainMessage } from './to-json.js';
import { checkWire, type WireCheckOptions } from './wire-check.js';

export const kubernetesProtobufContentType = 'application/vnd.kubernetes.protobuf';

/** `k8s\0`, the prefix of every Kubernetes protobuf body. */
export const kubernetesProtobufMagic: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface DecodeOptions extends WireCheckOptions {
  /**
   * Used when the envelope leaves apiVersion or kind empty, as upstream defaults them from the
   * request's path (`copyKindDefaults`). kubectl always fills both.
   */
  readonly defaults?: { readonly apiVersion?: string; readonly kind?: string };
}

export interface DecodedObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** The object as its JSON form, `kind` and `apiVersion` first, as upstream marshals it. */
  readonly object: Record<string, unknown>;
}

/** Decodes a Kubernetes protobuf body; throws `ProtobufDecodeError` for anything it cannot decode exactly. */
export function decodeKubernetesProtobuf(body: Uint8Array, options: DecodeOptions = {}): DecodedObject {
  if (body.length < kubernetesProtobufMagic.length || kubernetesProtobufMagic.some((b, i) => body[i] !== b)) {
    throw protobufDecodeErrors.badMagic();
  }
  const envelope = body.subarray(kubernetesProtobufMagic.length);
  if (envelope.length === 0) throw protobufDecodeErrors.truncated('Unknown');

  const schema = kubernetesSchema();
  const unknownType = schema.type('Unknown');
  checkWire(unknownType, envelope, 'Unknown', options);
  const unknown = decodeMessage(unknownType, envelope, 'Unknown', 'raw');

  const typeMeta = isRecord(unknown.typeMeta) ? unknown.typeMeta : {};
  const apiVersion = stringOr(typeMeta.apiVersion, options.defaults?.apiVersion);
  const kind = stringOr(typeMeta.kind, options.defaults?.kind);
  if (kind === '') throw protobufDecodeErrors.missingKind(apiVersion);
  if (apiVersion === '') throw protobufDecodeErrors.missingVersion(kind);
  const encoding = stringOr(unknown.contentEncoding, undefined);
  if (encoding !== '') throw protobufDecodeErrors.unsupportedEncoding(apiVersion, kind, encoding);

  const messageName = messageForKind(apiVersion, kind);
  if (messageName === undefined) throw protobufDecodeErrors.unknownKind(apiVersion, kind);
  const raw = unknown.raw instanceof Uint8Array ? unknown.raw : new Uint8Array();

  let json: JsonValue;
  try {
    const type = schema.type(messageName);
    checkWire(type, raw, kind, options);
    json = messageToJson(schema, messageName, decodeMessage(type, raw, kind, 'base64'), kind);
  } catch (err) {
    if (isProtobufDecodeError(err)) throw withKind(err, apiVersion, kind);
    throw err;
  }
  const object: JsonObject = { kind, apiVersion, ...(isRecord(json) ? json : {}) };
  return { apiVersion, kind, object };
}

/**
 * Decodes with protobufjs after `checkWire` has vouched for the bytes, into a plain object in
 * which a key is present exactly when its field was on the wire. int64 becomes a decimal string
 * (JSON numbers are checked later); bytes become base64, or stay bytes for the envelope's `raw`.
 */
function decodeMessage(
  type: protobuf.Type,
  bytes: Uint8Array,
  path: string,
  bytesAs: 'base64' | 'raw',
): PlainMessage {
  try {
    const message = type.decode(bytes);
    return type.toObject(message, { longs: String, defaults: false, ...(bytesAs === 'base64' && { bytes: String }) });
  } catch (cause) {
    throw protobufDecodeErrors.invalidData(path, cause instanceof Error ? cause.message : String(cause), cause);
  }
}

function isRecord(v: unknown): v is { readonly [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function stringOr(value: unknown, fallback: string | undefined): string {
  return typeof value === 'string' && value !== '' ? value : (fallback ?? '');
}
