/**
 * @module apiserver/protobuf/messages/authentication
 *
 * Messages of authentication.k8s.io/v1 for TokenRequest, which `kubectl create token` posts to
 * the serviceaccounts/token subresource. Notation: see `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

export const authenticationMessages: MessageDecls = {
  TokenRequest: {
    metadata: '1 ObjectMeta',
    spec: '2 TokenRequestSpec !',
    status: '3 TokenRequestStatus',
  },
  TokenRequestSpec: {
    audiences: '1 []string !',
    expirationSeconds: '4 *int64 !',
    boundObjectRef: '3 *BoundObjectReference !',
  },
  TokenRequestStatus: {
    token: '1 string !',
    expirationTimestamp: '2 Time !',
  },
  BoundObjectReference: {
    kind: '1 string',
    apiVersion: '2 string',
    name: '3 string',
    uid: '4 string',
  },
};
