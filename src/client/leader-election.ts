/**
 * @module client/leader-election
 *
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
 *
 *   - candidates try to acquire the lease every retryPeriod; a lease held by someone else is
 *     taken only once it has not changed for leaseDuration as measured by *our own* monotonic
 *     clock since we observed it (never by comparing the holder's timestamps with our clock);
 *   - the leader renews every retryPeriod; if it cannot renew within renewDeadline it stops
 *     leading (renewDeadline < leaseDuration, so it stops before anyone else may take over);
 *   - every write is a compare-and-swap on the Lease's resourceVersion, so two candidates can
 *     never both succeed;
 *   - with releaseOnCancel, a leader that is cancelled waits for its work to stop and then clears
 *     holderIdentity so a successor need not wait out the lease.
 *
 * One deviation: instead of waking only every retryPeriod, a follower also wakes exactly when the
 * observed lease would expire, so a takeover happens within leaseDuration + retryPeriod of the
 * leader's last renewal. `run` returns when the signal aborts or leadership is lost; it does not
 * try again (restart the process or call run again).
 */
import type { KubeObject } from '../api/object.js';
import { createLogger, type Logger } from '../log.js';
import { realClock, type Clock } from './clock.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import type { ResourceClient } from './resource-client.js';
import type { RestClient } from './rest-client.js';
import { withDeadline } from '../util/deadline.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderCallbacks {
  /** We lead. `signal` aborts when we stop leading; the returned promise is the leader's work. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** We stopped leading (lost the lease or were cancelled). Not called if we never led. */
  onStoppedLeading?(): void;
  /** The observed holder changed (including to us). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionOptions {
  readonly client: RestClient;
  readonly lease: { readonly namespace: string; readonly name: string };
  /** Unique per candidate (client-go uses hostname + a random suffix). */
  readonly identity: string;
  readonly callbacks: LeaderCallbacks;
  /** Default 15 s. Written to the Lease in whole seconds (rounded up). */
  readonly leaseDurationMs?: number;
  /** Default 10 s. */
  readonly renewDeadlineMs?: number;
  /** Default 2 s. */
  readonly retryPeriodMs?: number;
  /** Clear the lease when cancelled while leading. Default false. */
  readonly releaseOnCancel?: boolean;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly log?: Logger;
}

/** Retries wait retryPeriod · (1 + up to this fraction). */
const JITTER = 0.2;

export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  /** The lease spec as last read or written, and when (our clock) it last changed. */
  private observed: LeaseSpec | undefined;
  private observedRV: string | undefined;
  private observedTime = 0;
  private reportedLeader: string | undefined;
  private leading = false;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new RangeError('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs + this.retryPeriodMs) throw new RangeError('renewDeadline must be greater than retryPeriod·1.2');
    if (!options.identity) throw new RangeError('a leader election candidate needs an identity');
    this.leases = options.client.resource<Lease>('coordination.k8s.io', 'v1', 'leases');
    this.clock = options.clock ?? realClock;
    this.log = (options.log ?? createLogger('leader-election')).child({ lease: `${options.lease.namespace}/${options.lease.name}`, identity: options.identity });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder we last observed. */
  getLeader(): string | undefined {
    return this.observed?.holderIdentity || undefined;
  }

  /** Campaigns, leads until the lease is lost or the signal aborts, and resolves when all is done. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leading = new AbortController();
    this.leading = true;
    this.log.info('became leader');
    let work: Promise<void>;
    try {
      work = Promise.resolve(this.options.callbacks.onStartedLeading(leading.signal));
    } catch (err) {
      work = Promise.reject(err);
    }
    let workError: unknown;
    let workFailed = false;
    const workDone = work.then(
      () => {},
      (err: unknown) => {
        workFailed = true;
        workError = err;
        leading.abort();
      },
    );
    const stop = () => leading.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await this.renewLoop(leading.signal);
    } finally {
      signal.removeEventListener('abort', stop);
      leading.abort();
      this.leading = false;
      await workDone;
      if (this.options.releaseOnCancel && (signal.aborted || workFailed)) await this.release();
      this.log.info('stopped leading');
      this.options.callbacks.onStoppedLeading?.();
    }
    if (workFailed) throw workError;
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.debug('attempting to acquire the lease');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal, this.renewDeadlineMs)) return true;
      // Wake at the next retry, or as soon as the observed lease expires if that is sooner.
      let delay = this.retryPeriodMs * (1 + JITTER * (this.options.random ?? Math.random)());
      const holder = this.observed?.holderIdentity;
      if (holder && holder !== this.options.identity) {
        const expiresIn = this.observedTime + this.observedDurationMs() - this.clock.now();
        delay = Math.min(delay, Math.max(expiresIn + 1, 0));
      }
      await this.clock.sleep(delay, signal);
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal could not succeed within renewDeadline. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && this.clock.now() < deadline) {
        if (await this.tryAcquireOrRenew(signal, deadline - this.clock.now())) {
          renewed = true;
          break;
        }
        await this.clock.sleep(Math.min(this.retryPeriodMs, Math.max(0, deadline - this.clock.now())), signal);
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.log.warn({ renewDeadlineMs: this.renewDeadlineMs }, 'failed to renew the lease within the renew deadline; stepping down');
        return;
      }
    }
  }

  /**
   * One attempt to take or keep the lease, bounded by `timeoutMs` in total (retries included).
   * False means "not ours (now)"; only an onNewLeader callback's exception escapes.
   */
  private async tryAcquireOrRenew(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    let ok = false;
    try {
      ok = await withDeadline(signal, Math.floor(timeoutMs), (bounded) => this.attempt(bounded));
    } catch (err) {
      if (!signal.aborted) {
        if (isConflict(err) || isAlreadyExists(err)) this.log.debug({ err: (err as Error).message }, 'lost a race for the lease');
        else this.log.warn({ err: (err as Error).message }, 'lease request failed');
      }
    }
    // Reported outside the request's error handling, so a throwing callback is not mistaken for a failed request.
    const holder = this.observed?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.log.info({ leader: holder }, 'new leader observed');
      this.options.callbacks.onNewLeader?.(holder);
    }
    return ok;
  }

  private async attempt(signal: AbortSignal): Promise<boolean> {
    const { namespace, name } = this.options.lease;
    const call = { namespace, signal };
    const now = this.clock.now();
    const stamp = microTime(this.clock.date());
    let lease: Lease;
    try {
      lease = await this.leases.get(name, call);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const created = await this.leases.create(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: this.options.identity, leaseDurationSeconds: this.leaseSeconds(), acquireTime: stamp, renewTime: stamp, leaseTransitions: 0 },
        },
        call,
      );
      this.observe(created, this.clock.now());
      return true;
    }
    const spec = lease.spec ?? {};
    if (lease.metadata?.resourceVersion !== this.observedRV) this.observe(lease, now);
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.options.identity;
    if (holder !== '' && !mine && this.observedTime + this.observedDurationMs() > now) return false;
    const next: LeaseSpec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseSeconds(),
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : stamp,
      renewTime: stamp,
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    // A compare-and-swap on resourceVersion: a concurrent writer makes this a 409.
    const updated = await this.leases.update({ ...lease, spec: next }, call);
    this.observe(updated, this.clock.now());
    return true;
  }

  /** Clears holderIdentity so the next candidate need not wait for expiry. */
  private async release(): Promise<void> {
    const { namespace, name } = this.options.lease;
    try {
      const lease = await this.leases.get(name, { namespace, timeoutMs: this.renewDeadlineMs });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const stamp = microTime(this.clock.date());
      await this.leases.update(
        { ...lease, spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: stamp, renewTime: stamp, leaseTransitions: lease.spec.leaseTransitions ?? 0 } },
        { namespace, timeoutMs: this.renewDeadlineMs },
      );
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'failed to release the lease');
    }
  }

  private observe(lease: Lease, at: number): void {
    this.observed = lease.spec ?? {};
    this.observedRV = lease.metadata?.resourceVersion;
    this.observedTime = at;
  }

  private observedDurationMs(): number {
    const seconds = this.observed?.leaseDurationSeconds;
    return seconds !== undefined && seconds > 0 ? seconds * 1000 : this.leaseDurationMs;
  }

  private leaseSeconds(): number {
    return Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
  }
}

/** Runs one candidate until the signal aborts or leadership is lost (see LeaderElector). */
export function runLeaderElection(options: LeaderElectionOptions & { readonly signal: AbortSignal }): Promise<void> {
  return new LeaderElector(options).run(options.signal);
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
