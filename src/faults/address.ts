/**
 * @module faults/address
 *
 * `HOST:PORT` endpoints as the fault lab's flags and control API spell them (`127.0.0.1:6443`,
 * `localhost:6443`, `[::1]:6443`), parsed in one place so every error reads the same.
 */
import { isIP } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export class AddressError extends Error {
  override readonly name = 'AddressError';
  readonly code = 'FAULTS_BAD_ADDRESS';
}

/**
 * Parses `host:port`; IPv6 hosts go in brackets. `allowAnyPort` accepts port 0 (listen on any free
 * port), which only makes sense for addresses this process listens on.
 */
export function parseHostPort(value: string, options: { allowAnyPort?: boolean } = {}): HostPort {
  const example = options.allowAnyPort ? '127.0.0.1:6443 (or 127.0.0.1:0 for any free port)' : '127.0.0.1:6443';
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  if (!match) throw new AddressError(`${JSON.stringify(value)} is not HOST:PORT; write e.g. ${example}.`);
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (match[1] !== undefined && isIP(host) !== 6) {
    throw new AddressError(`${JSON.stringify(value)}: only IPv6 addresses go in brackets; write e.g. [::1]:6443.`);
  }
  if (port > 65535 || (port === 0 && !options.allowAnyPort)) {
    throw new AddressError(`${JSON.stringify(value)} has no valid port; use 1 to 65535, e.g. ${example}.`);
  }
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for names and addresses that never leave this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
