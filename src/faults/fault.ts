/**
 * @module faults/fault
 *
 * What a fault is: its mode, which connections it applies to, and its parameters; and the one
 * validation every entry point (the control API, the CLI, programmatic callers) goes through, so a
 * bad request fails the same way everywhere, in one line that says what to send instead.
 *
 * Modes (see docs/fault-lab.md for what each one models):
 * - `pass`: forward everything; clears the fault.
 * - `blackhole`: forward nothing in either direction and send nothing (no FIN, no RST); the
 *   sockets stay open. The load balancer that failed over in incident 1.
 * - `reset`: reset the selected connections (RST to both ends).
 * - `refuse`: new connections are refused while the fault lasts; established ones in scope are reset.
 * - `latency`: every chunk waits `latencyMs` before it is forwarded, in each direction.
 * - `drop`: with `probability`, a chunk waits as a TCP retransmission would (`retransmitMs`,
 *   default 200 ms, Linux's minimum RTO) and holds up the chunks behind it. A proxy above TCP cannot
 *   lose bytes without corrupting the stream; real packet loss needs iptables in a network namespace
 *   (faults/netns, faults/iptables).
 */

export const FAULT_MODES = ['pass', 'blackhole', 'reset', 'refuse', 'latency', 'drop'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/**
 * `established`: connections open when the fault is set (the seed: existing connections go dead,
 * new ones work). `new`: connections accepted while it lasts. `all`: both.
 */
export const FAULT_SCOPES = ['all', 'established', 'new'] as const;
export type FaultScope = (typeof FAULT_SCOPES)[number];

/** Linux's minimum retransmission timeout: what the first resend of a lost segment waits. */
export const DEFAULT_RETRANSMIT_MS = 200;
const MAX_DELAY_MS = 10 * 60 * 1000;

/** A fault as JSON carries it (the control API's `POST /fault` body). */
export interface FaultRequest {
  mode: FaultMode;
  /** Default `all`. */
  scope?: FaultScope;
  /** Only these connection ids (see `GET /status`). */
  connections?: number[];
  /** `latency`: added to every chunk. `drop`: added to every chunk before any retransmission delay. */
  latencyMs?: number;
  /** `drop`: the share of chunks that are "lost", from 0 (exclusive) to 1. */
  probability?: number;
  /** `drop`: how long a lost chunk waits (default 200 ms). */
  retransmitMs?: number;
  /** Lift the fault (back to `pass`) after this many seconds. */
  durationSeconds?: number;
}

/** What the balancer knows about a connection when deciding whether a fault applies to it. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** `host:port` of the backend this connection was sent to. */
  readonly backend: string;
}

/** A fault for programmatic callers: the JSON form plus a predicate (e.g. by client port). */
export interface FaultSpec extends FaultRequest {
  /** Only connections this returns true for (combined with `scope` and `connections`). */
  match?: (connection: ConnectionInfo) => boolean;
}

/** The per-connection part of a fault: what a connection under it does with its bytes. */
export interface ConnectionFault {
  readonly mode: FaultMode;
  readonly latencyMs: number;
  readonly probability: number;
  readonly retransmitMs: number;
}

export const PASS: ConnectionFault = { mode: 'pass', latencyMs: 0, probability: 0, retransmitMs: DEFAULT_RETRANSMIT_MS };

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
  readonly code = 'FAULTS_BAD_FAULT';
}

const FIELDS = ['mode', 'scope', 'connections', 'latencyMs', 'probability', 'retransmitMs', 'durationSeconds'] as const;

/**
 * Checks a fault from untrusted JSON (or a programmatic caller) and returns it with defaults
 * filled in. Throws FaultSpecError naming the field and a valid value.
 */
export function validateFault(input: unknown): Required<Pick<FaultRequest, 'mode' | 'scope'>> & FaultRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultSpecError('a fault is a JSON object, e.g. {"mode":"blackhole","scope":"established"}.');
  }
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (key === 'match' && typeof body.match === 'function') continue;
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new FaultSpecError(`unknown field ${JSON.stringify(key)}; a fault has ${FIELDS.join(', ')}.`);
    }
  }
  const mode = body.mode;
  if (typeof mode !== 'string' || !(FAULT_MODES as readonly string[]).includes(mode)) {
    throw new FaultSpecError(`mode must be one of ${FAULT_MODES.join(', ')}; got ${JSON.stringify(mode)}.`);
  }
  const scope = body.scope ?? 'all';
  if (typeof scope !== 'string' || !(FAULT_SCOPES as readonly string[]).includes(scope)) {
    throw new FaultSpecError(`scope must be one of ${FAULT_SCOPES.join(', ')}; got ${JSON.stringify(scope)}.`);
  }
  const fault: Required<Pick<FaultRequest, 'mode' | 'scope'>> & FaultRequest = { mode: mode as FaultMode, scope: scope as FaultScope };

  if (body.connections !== undefined) {
    const ids = body.connections;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)) {
      throw new FaultSpecError('connections must be a non-empty list of connection ids (positive integers from GET /status), e.g. [1,2].');
    }
    fault.connections = [...(ids as number[])];
  }
  if (body.latencyMs !== undefined) {
    if (mode !== 'latency' && mode !== 'drop') throw new FaultSpecError(`latencyMs applies to modes latency and drop, not ${mode}.`);
    fault.latencyMs = checkNumber('latencyMs', body.latencyMs, 0, MAX_DELAY_MS, 'milliseconds, e.g. 2000');
  }
  if (body.probability !== undefined) {
    if (mode !== 'drop') throw new FaultSpecError(`probability applies to mode drop, not ${mode}.`);
    fault.probability = checkNumber('probability', body.probability, 0, 1, 'a share of chunks, e.g. 0.05');
    if (fault.probability === 0) throw new FaultSpecError('probability must be above 0 (e.g. 0.05); to stop dropping, set mode pass.');
  }
  if (body.retransmitMs !== undefined) {
    if (mode !== 'drop') throw new FaultSpecError(`retransmitMs applies to mode drop, not ${mode}.`);
    fault.retransmitMs = checkNumber('retransmitMs', body.retransmitMs, 1, MAX_DELAY_MS, 'milliseconds, e.g. 200');
  }
  if (body.durationSeconds !== undefined) {
    fault.durationSeconds = checkNumber('durationSeconds', body.durationSeconds, 0, 24 * 3600, 'seconds, e.g. 60');
    if (fault.durationSeconds === 0) throw new FaultSpecError('durationSeconds must be above 0; leave it out for a fault that lasts until changed.');
  }
  if (mode === 'latency' && !(fault.latencyMs && fault.latencyMs > 0)) {
    throw new FaultSpecError('mode latency needs latencyMs above 0, e.g. {"mode":"latency","latencyMs":2000}.');
  }
  if (mode === 'drop' && fault.probability === undefined) {
    throw new FaultSpecError('mode drop needs probability, e.g. {"mode":"drop","probability":0.05}.');
  }
  if (mode === 'pass' && (fault.connections || fault.durationSeconds !== undefined || fault.scope !== 'all')) {
    throw new FaultSpecError('mode pass clears the fault for every connection; it takes no scope, connections or durationSeconds.');
  }
  return fault;
}

/** The per-connection part of a validated fault. */
export function connectionFault(fault: FaultRequest): ConnectionFault {
  return {
    mode: fault.mode,
    latencyMs: fault.latencyMs ?? 0,
    probability: fault.probability ?? 0,
    retransmitMs: fault.retransmitMs ?? DEFAULT_RETRANSMIT_MS,
  };
}

function checkNumber(field: string, value: unknown, min: number, max: number, hint: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new FaultSpecError(`${field} must be a number from ${min} to ${max} (${hint}); got ${JSON.stringify(value)}.`);
  }
  return value;
}
