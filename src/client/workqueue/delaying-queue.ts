/**
 * @module client/workqueue/delaying-queue
 *
 * A work queue whose items can be added after a delay (client-go's DelayingInterface). An item
 * waiting twice keeps the earlier time. One timer, for the earliest waiting item, on the
 * injected clock.
 */
import { realClock, type Clock, type TimerHandle } from '../clock.js';
import { WorkQueue } from './queue.js';

export class DelayingQueue<T = string> extends WorkQueue<T> {
  /** item → when (clock ms) it becomes ready */
  private readonly waiting = new Map<T, number>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(protected readonly clock: Clock = realClock) {
    super();
  }

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (delayMs <= 0) return this.add(item);
    const readyAt = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing !== undefined && existing <= readyAt) return;
    this.waiting.set(item, readyAt);
    this.arm();
  }

  /** Items waiting for their delay to pass. */
  waitingCount(): number {
    return this.waiting.size;
  }

  override shutDown(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.waiting.clear();
    super.shutDown();
  }

  private arm(): void {
    let earliest = Infinity;
    for (const at of this.waiting.values()) earliest = Math.min(earliest, at);
    if (earliest === Infinity || earliest >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = earliest;
    this.timer = this.clock.setTimeout(() => this.fire(), earliest - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    const ready = [...this.waiting].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [item] of ready) {
      this.waiting.delete(item);
      this.add(item);
    }
    this.arm();
  }
}
