/**
 * @module apiserver/protobuf/errors
 *
 * The protobuf decoding error catalogue. Every failure to turn an
 * `application/vnd.kubernetes.protobuf` body into JSON is a `ProtobufDecodeError` with a stable
 * `code`, so the request handler can answer without parsing messages: `UnknownKind` becomes
 * upstream's 415 (the body is well formed but tskube has no message definition for it), every other
 * code is a malformed request (400). Messages name the kind and the field path, because the person
 * reading them is debugging a client that sent bytes nobody can look at.
 */

export const ProtobufDecodeErrorCode = {
  /** The body is empty or does not start with the 4-byte `k8s\0` prefix. */
  BadMagic: 'BadMagic',
  /** The `runtime.Unknown` envelope names no kind (and the caller supplied no default). */
  MissingKind: 'MissingKind',
  /** The `runtime.Unknown` envelope names no apiVersion (and the caller supplied no default). */
  MissingVersion: 'MissingVersion',
  /** tskube has no message definition for this apiVersion and kind. */
  UnknownKind: 'UnknownKind',
  /** The envelope's contentEncoding is set; kubectl never sets it and tskube decodes no encodings. */
  UnsupportedEncoding: 'UnsupportedEncoding',
  /** The data ends inside a field: a length, varint or nested message runs past the end. */
  Truncated: 'Truncated',
  /** A field number tskube's definition of the message does not have. */
  UnknownField: 'UnknownField',
  /**
   * Bytes that parse but mean nothing valid: a wire type that does not match the field, field
   * number 0, an IntOrString type other than 0/1, a malformed Quantity, a RawExtension that is not
   * JSON, an int64 that JSON numbers cannot hold exactly, a time outside years 0-9999.
   */
  InvalidData: 'InvalidData',
} as const;
export type ProtobufDecodeErrorCode = (typeof ProtobufDecodeErrorCode)[keyof typeof ProtobufDecodeErrorCode];

export interface ProtobufDecodeErrorDetails {
  /** The envelope's apiVersion, once it has been read. */
  readonly apiVersion?: string;
  /** The envelope's kind, once it has been read. */
  readonly kind?: string;
  /** Where in the object the problem is, as `Deployment.spec.template.spec.containers[0].ports[1]`. */
  readonly path?: string;
  readonly cause?: unknown;
}

export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
  readonly apiVersion: string | undefined;
  readonly kind: string | undefined;
  readonly path: string | undefined;

  constructor(
    readonly code: ProtobufDecodeErrorCode,
    message: string,
    details: ProtobufDecodeErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.apiVersion = details.apiVersion;
    this.kind = details.kind;
    this.path = details.path;
  }
}

export function isProtobufDecodeError(err: unknown, code?: ProtobufDecodeErrorCode): err is ProtobufDecodeError {
  return err instanceof ProtobufDecodeError && (code === undefined || err.code === code);
}

const at = (path: string | undefined) => (path === undefined || path === '' ? '' : ` at ${path}`);

export const protobufDecodeErrors = {
  /** Upstream's wording (`runtime/serializer/protobuf`), with the prefix spelled out. */
  badMagic: () =>
    new ProtobufDecodeError(
      'BadMagic',
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ("k8s\\x00")',
    ),
  missingKind: (apiVersion: string) =>
    new ProtobufDecodeError('MissingKind', `Object 'Kind' is missing in the protobuf envelope (apiVersion ${JSON.stringify(apiVersion)})`, {
      apiVersion,
    }),
  missingVersion: (kind: string) =>
    new ProtobufDecodeError('MissingVersion', `Object 'apiVersion' is missing in the protobuf envelope (kind ${JSON.stringify(kind)})`, {
      kind,
    }),
  /** Upstream says `no kind "X" is registered for version "g/v" in scheme "..."`; tskube's scheme is this decoder. */
  unknownKind: (apiVersion: string, kind: string) =>
    new ProtobufDecodeError(
      'UnknownKind',
      `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)} in tskube's protobuf decoder; send the object as application/json`,
      { apiVersion, kind },
    ),
  unsupportedEncoding: (apiVersion: string, kind: string, encoding: string) =>
    new ProtobufDecodeError(
      'UnsupportedEncoding',
      `${kind} ${apiVersion}: unsupported protobuf contentEncoding ${JSON.stringify(encoding)}`,
      { apiVersion, kind },
    ),
  truncated: (path: string, cause?: unknown) =>
    new ProtobufDecodeError('Truncated', `protobuf data is truncated${at(path)} (unexpected EOF)`, { path, cause }),
  unknownField: (path: string, message: string, fieldNumber: number) =>
    new ProtobufDecodeError(
      'UnknownField',
      `protobuf field ${fieldNumber} of ${message}${at(path)} is not known to tskube; refusing to drop it silently`,
      { path },
    ),
  invalidData: (path: string, reason: string, cause?: unknown) =>
    new ProtobufDecodeError('InvalidData', `invalid protobuf data${at(path)}: ${reason}`, { path, cause }),
};

/**
 * Adds what the envelope said to an error raised while decoding the object inside it (the path
 * already starts with the kind, so the message stays as it is).
 */
export function withKind(err: ProtobufDecodeError, apiVersion: string, kind: string): ProtobufDecodeError {
  const out = new ProtobufDecodeError(err.code, err.message, {
    apiVersion,
    kind,
    ...(err.path !== undefined && { path: err.path }),
    ...(err.cause !== undefined && { cause: err.cause }),
  });
  out.stack = err.stack;
  return out;
}
