/**
 * @module storage/etcd/endpoint-health
 *
 * The fault-handling policies handed to the etcd3 client. The library's defaults retry every
 * "recoverable" error three times (writes included, which can turn a write that applied into a
 * reported Conflict) and open a per-endpoint circuit for five seconds after three failures (which,
 * during a leader election, can shut out every member at once). tskube replaces both:
 * - the global policy passes calls straight through; `retry.ts` decides what may be repeated;
 * - each endpoint gets an `EndpointHealth` that skips it for a short cooldown after it failed to
 *   connect or reported that it has no leader, unless every endpoint is cooling down, in which
 *   case all are tried again (a skipped endpoint must never become an unreachable cluster).
 */
import type { IOptions } from 'etcd3';
import { NoHealthyEndpointError, isEndpointFailure } from './etcd-errors.js';

// The policy types live in cockatiel, a dependency of etcd3 that tskube does not import directly.
type FaultHandling = NonNullable<IOptions['faultHandling']>;
export type Policy = NonNullable<FaultHandling['global']>;
type PolicyContext = Parameters<Parameters<Policy['execute']>[0]>[0];

const noListeners = () => ({ dispose: () => undefined });
const neverAborted = new AbortController().signal;

/** A policy that runs the call once, as is. */
export const passThrough: Policy = {
  _altReturn: undefined as never,
  onSuccess: noListeners,
  onFailure: noListeners,
  async execute<T>(fn: (context: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    return fn({ signal: signal ?? neverAborted });
  },
};

/** The health of every endpoint of one client, so an endpoint can ask whether any other is usable. */
export class EndpointGroup {
  private readonly members: EndpointHealth[] = [];

  constructor(private readonly cooldownMs: number) {}

  /** The etcd3 `faultHandling.host` factory. */
  readonly policyFor = (endpoint: string): Policy => {
    const health = new EndpointHealth(endpoint, this.cooldownMs, this);
    this.members.push(health);
    return health;
  };

  anyAvailable(now: number): boolean {
    return this.members.some((m) => !m.coolingDown(now));
  }
}

class EndpointHealth implements Policy {
  declare readonly _altReturn: never;
  readonly onSuccess = noListeners;
  readonly onFailure = noListeners;
  private skipUntil = 0;

  constructor(
    private readonly endpoint: string,
    private readonly cooldownMs: number,
    private readonly group: EndpointGroup,
  ) {}

  coolingDown(now: number): boolean {
    return now < this.skipUntil;
  }

  async execute<T>(fn: (context: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    const now = Date.now();
    if (this.coolingDown(now) && this.group.anyAvailable(now)) {
      // Thrown before calling `fn`, so the connection pool moves on to the next endpoint.
      throw new NoHealthyEndpointError(this.endpoint);
    }
    try {
      const result = await fn({ signal: signal ?? neverAborted });
      this.skipUntil = 0;
      return result;
    } catch (err) {
      if (isEndpointFailure(err)) this.skipUntil = Date.now() + this.cooldownMs;
      throw err;
    }
  }
}
