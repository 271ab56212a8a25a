/**
 * @module proxy/recycling
 *
 * Connection recycling, opt-in per Service (seed 001: long-lived connections pin clients to the
 * replicas that existed when they connected, so new replicas get nothing and autoscaling stalls;
 * the fix there was nginx's `keepalive_requests`). Two annotations:
 *
 *   tskube.io/max-requests-per-connection: "100"   HTTP: the 100th response on a client
 *       connection carries `Connection: close`, and the proxy closes the connection after it;
 *   tskube.io/max-connection-age: "30s"            HTTP: the first response after 30 s carries
 *       `Connection: close` (an idle connection past the age is closed); raw TCP: the proxy closes
 *       the connection gracefully (FIN both ways) once it is past the age and idle.
 *
 * A port is handled as HTTP when it has max-requests-per-connection, or its appProtocol is http
 * (or kubernetes.io/h1), or its name is "http" or starts with "http-" (the usual convention).
 */
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import type { Service } from './types.js';

export const ANNOTATION_MAX_REQUESTS = 'tskube.io/max-requests-per-connection';
export const ANNOTATION_MAX_AGE = 'tskube.io/max-connection-age';
/** A raw TCP connection past its age closes once no byte has moved either way for this long. */
export const RAW_TCP_IDLE_MS = 1_000;

export interface RecyclingPolicy {
  readonly maxRequests?: number;
  readonly maxAgeMs?: number;
  /** Whether the port speaks HTTP/1.x (recycled per response) or is raw TCP (recycled when idle). */
  readonly http: boolean;
}

export interface RecyclingResult {
  readonly policy?: RecyclingPolicy;
  /** Annotations that could not be read; the proxy logs them and ignores the annotation. */
  readonly errors: readonly string[];
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go-style duration ("30s", "1m30s", "500ms"). */
export function parseGoDuration(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

export function isHttpPort(port: ServicePort): boolean {
  const app = port.appProtocol?.toLowerCase();
  if (app === 'http' || app === 'kubernetes.io/h1') return true;
  const name = port.name ?? '';
  return name === 'http' || name.startsWith('http-');
}

export function recyclingPolicy(service: Service, port: ServicePort): RecyclingResult {
  const annotations = service.metadata?.annotations ?? {};
  const errors: string[] = [];
  let maxRequests: number | undefined;
  let maxAgeMs: number | undefined;
  const rawRequests = annotations[ANNOTATION_MAX_REQUESTS];
  if (rawRequests !== undefined) {
    const n = Number(rawRequests);
    if (/^\d+$/.test(rawRequests.trim()) && n >= 1) maxRequests = n;
    else errors.push(`${ANNOTATION_MAX_REQUESTS}: ${JSON.stringify(rawRequests)} is not a positive integer`);
  }
  const rawAge = annotations[ANNOTATION_MAX_AGE];
  if (rawAge !== undefined) {
    const ms = parseGoDuration(rawAge);
    if (ms !== undefined && ms > 0) maxAgeMs = ms;
    else errors.push(`${ANNOTATION_MAX_AGE}: ${JSON.stringify(rawAge)} is not a duration such as 30s or 5m`);
  }
  if (maxRequests === undefined && maxAgeMs === undefined) return { errors };
  const protocol = port.protocol ?? 'TCP';
  if (protocol !== 'TCP') return { errors };
  return {
    policy: { ...(maxRequests !== undefined && { maxRequests }), ...(maxAgeMs !== undefined && { maxAgeMs }), http: maxRequests !== undefined || isHttpPort(port) },
    errors,
  };
}
