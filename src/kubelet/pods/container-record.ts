/**
 * @module kubelet/pods/container-record
 *
 * What a pod worker remembers about one container of its pod: the current run and the one
 * before it (for lastState and `kubectl logs --previous`), the restart count, why it is waiting,
 * and its prober. Also how runs found in the runtime after an agent restart are taken back.
 */
import type { Container } from 'kubernetes-types/core/v1.js';
import type { RuntimeContainer } from '../runtime/interface.js';
import type { ContainerProber } from './prober.js';
import type { ContainerView } from './status.js';

export type ContainerKind = 'init' | 'regular';

export class ContainerRecord {
  current: RuntimeContainer | undefined;
  previous: RuntimeContainer | undefined;
  restartCount = 0;
  waiting: { reason: string; message?: string } | undefined;
  /** The current run exited and will be started again (after its backoff). */
  restartPending = false;
  prober: ContainerProber | undefined;

  constructor(
    public spec: Container,
    readonly kind: ContainerKind,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** `spec.containers{web}`: where events about this container point. */
  get fieldPath(): string {
    return `${this.kind === 'init' ? 'spec.initContainers' : 'spec.containers'}{${this.spec.name}}`;
  }

  get running(): boolean {
    return this.current?.status.state === 'running';
  }

  /** The current run's exit, if it exited. */
  get exit(): { exitCode: number; finishedAt: Date } | undefined {
    const s = this.current?.status;
    return s?.state === 'exited' ? { exitCode: s.exitCode, finishedAt: s.finishedAt } : undefined;
  }

  view(defaultWaiting: string): ContainerView {
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      ...(this.current && { current: this.current }),
      ...(this.previous && { previous: this.previous }),
      restartCount: this.restartCount,
      ...(this.waiting ? { waiting: this.waiting } : !this.current && { waiting: { reason: defaultWaiting } }),
      restartPending: this.restartPending,
      ready: this.prober?.ready ?? false,
      started: this.prober?.started ?? false,
    };
  }

  /**
   * Takes back runs a previous agent started: the newest is current, the newest before it that
   * exited is previous; returns the older ones for removal.
   */
  adopt(runs: readonly RuntimeContainer[]): RuntimeContainer[] {
    const sorted = [...runs].sort((a, b) => b.restartCount - a.restartCount || b.status.startedAt.getTime() - a.status.startedAt.getTime());
    this.current = sorted[0];
    this.previous = sorted[1];
    this.restartCount = this.current?.restartCount ?? 0;
    return sorted.slice(2);
  }
}
