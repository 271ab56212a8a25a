/**
 * @module dns/errors
 *
 * The DNS server's errors, each with a stable code. Query-level problems (a malformed packet, an
 * unknown name) are never thrown: they become DNS response codes. These are for the operator:
 * options that cannot work, a socket that cannot be bound, an upstream that does not answer.
 */

export type DnsErrorCode =
  /** An option is invalid (a bad --listen, a zone that is not a domain name, ...). */
  | 'InvalidOptions'
  /** A UDP or TCP socket could not be bound. */
  | 'ListenFailed'
  /** The upstream resolver did not answer in time, or answered with something unusable. */
  | 'UpstreamFailed'
  /** start() or run() called in the wrong state. */
  | 'InvalidState';

export class DnsError extends Error {
  override readonly name: string = 'DnsError';
  constructor(
    readonly code: DnsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class DnsOptionsError extends DnsError {
  override readonly name = 'DnsOptionsError';
  constructor(message: string) {
    super('InvalidOptions', message);
  }
}

export class DnsListenError extends DnsError {
  override readonly name = 'DnsListenError';
  constructor(
    readonly address: string,
    readonly transport: 'udp' | 'tcp',
    cause: unknown,
  ) {
    super('ListenFailed', `cannot listen for DNS over ${transport} on ${address}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export class UpstreamError extends DnsError {
  override readonly name = 'UpstreamError';
  constructor(
    readonly upstream: string,
    message: string,
    cause?: unknown,
  ) {
    super('UpstreamFailed', `upstream ${upstream}: ${message}`, { cause });
  }
}

export function isDnsError(err: unknown, code?: DnsErrorCode): err is DnsError {
  return err instanceof DnsError && (code === undefined || err.code === code);
}
