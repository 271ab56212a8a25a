/**
 * @module proxy/balancer
 *
 * Picks the endpoint for a new connection among a Service port's candidates: round-robin (as
 * IPVS's default scheduler; iptables picks at random, which spreads the same in the long run but
 * makes small tests flaky), with ClientIP session affinity when the Service asks for it: a client
 * that connected within the timeout goes back to the endpoint it used last, as long as that
 * endpoint is still a candidate (upstream's `recent` match; the timeout runs from the last
 * connection, default 10800 s).
 */
import type { ServiceEndpoint } from './types.js';

export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

export interface BalancerOptions {
  /** Seconds a client sticks to its endpoint; undefined = no session affinity. */
  readonly affinityTimeoutSeconds?: number;
  /** Milliseconds now; injected by tests. */
  readonly now?: () => number;
}

interface Stickiness {
  endpoint: string;
  lastUsedMs: number;
}

const keyOf = (ep: ServiceEndpoint) => `${ep.ip}:${ep.port}`;

export class Balancer {
  private candidates: readonly ServiceEndpoint[] = [];
  private next = 0;
  private readonly sticky = new Map<string, Stickiness>();
  private picks = 0;
  private readonly now: () => number;

  constructor(private options: BalancerOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Replaces the candidates (a Service or EndpointSlice change); existing connections are not touched. */
  setCandidates(candidates: readonly ServiceEndpoint[]): void {
    this.candidates = candidates;
    if (this.next >= candidates.length) this.next = 0;
  }

  /** Changes the affinity setting; turning it off forgets every client. */
  setAffinity(timeoutSeconds: number | undefined): void {
    if (timeoutSeconds === undefined) this.sticky.clear();
    this.options = { ...this.options, ...{ affinityTimeoutSeconds: timeoutSeconds } };
  }

  get size(): number {
    return this.candidates.length;
  }

  /** The endpoint for a new connection from `clientIP`, or undefined when there is none. */
  pick(clientIP: string): ServiceEndpoint | undefined {
    if (this.candidates.length === 0) return undefined;
    const timeout = this.options.affinityTimeoutSeconds;
    if (timeout === undefined) return this.roundRobin();
    const now = this.now();
    if (++this.picks % 1024 === 0) this.expire(now, timeout);
    const previous = this.sticky.get(clientIP);
    if (previous && now - previous.lastUsedMs <= timeout * 1000) {
      const same = this.candidates.find((ep) => keyOf(ep) === previous.endpoint);
      if (same) {
        previous.lastUsedMs = now;
        return same;
      }
    }
    const chosen = this.roundRobin();
    this.sticky.set(clientIP, { endpoint: keyOf(chosen), lastUsedMs: now });
    return chosen;
  }

  private roundRobin(): ServiceEndpoint {
    const ep = this.candidates[this.next % this.candidates.length]!;
    this.next = (this.next + 1) % this.candidates.length;
    return ep;
  }

  private expire(now: number, timeoutSeconds: number): void {
    for (const [client, s] of this.sticky) if (now - s.lastUsedMs > timeoutSeconds * 1000) this.sticky.delete(client);
  }
}
