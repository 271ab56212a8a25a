/**
 * @module apiserver/protobuf
 *
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies into JSON objects, with
 * tskube's own message definitions. A handler that receives that content type calls
 * `decodeKubernetesProtobuf(body)` and continues with `object` as if it had been JSON; a
 * `ProtobufDecodeError` with code `UnknownKind` is upstream's 415 Unsupported Media Type, any
 * other code a 400 Bad Request. Responses stay JSON: clients accept it even when they list
 * protobuf first.
 */
export {
  decodeKubernetesProtobuf,
  kubernetesProtobufContentType,
  kubernetesProtobufMagic,
  type DecodeOptions,
  type DecodedObject,
} from './decode.js';
export {
  ProtobufDecodeError,
  ProtobufDecodeErrorCode,
  isProtobufDecodeError,
  type ProtobufDecodeErrorDetails,
} from './errors.js';
export { protobufKinds } from './messages/index.js';
