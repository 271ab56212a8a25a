/**
 * @module kubelet/server/errors
 *
 * Errors the kubelet API answers with, as metav1.Status JSON so the API server can pass them to
 * kubectl unchanged (upstream's kubelet answers some of these as plain text; a Status reads the
 * same in kubectl and keeps the code and reason).
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export class KubeletApiError extends Error {
  override readonly name = 'KubeletApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  toStatus() {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

export const kubeletErrors = {
  badRequest: (message: string) => new KubeletApiError(400, 'BadRequest', message),
  unauthorized: () => new KubeletApiError(401, 'Unauthorized', 'Unauthorized'),
  notFound: (message: string) => new KubeletApiError(404, 'NotFound', message),
  methodNotAllowed: (method: string) => new KubeletApiError(405, 'MethodNotAllowed', `${method} is not allowed here`),
  internal: (message: string) => new KubeletApiError(500, 'InternalError', message),
};

export function toKubeletError(err: unknown): KubeletApiError {
  return err instanceof KubeletApiError ? err : kubeletErrors.internal(err instanceof Error ? err.message : String(err));
}

export function sendKubeletError(res: ServerResponse, err: KubeletApiError): void {
  const body = JSON.stringify(err.toStatus());
  res.writeHead(err.code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers an upgrade request that will not be upgraded, on the raw socket, and closes it. */
export function rejectUpgrade(socket: Duplex, err: KubeletApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${err.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
