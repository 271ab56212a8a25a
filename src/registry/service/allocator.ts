/**
 * @module registry/service/allocator
 *
 * Hands out cluster IPs and node ports so that several API servers on one store never hand out
 * the same value: each value in use is a key in the KV (`/registry/tskube/serviceips/<ip>`,
 * `/registry/tskube/servicenodeports/<port>`) created with create-if-absent, so exactly one
 * creator wins and a loser tries another value. The key's value names its owner (namespace,
 * name, uid of the Service), and a release deletes the key only while that owner still holds it.
 *
 * Upstream keeps one bitmap per range in a single etcd object (or, since 1.31, one IPAddress
 * object per IP); one key per value is the second design with the KV's own compare-and-swap
 * instead of an API object.
 */
import { isStorageError } from '../../storage/errors.js';
import type { KV } from '../../storage/interface.js';
import type { AllocationRange } from './ranges.js';

/** Who holds a value: the Service it was reserved for. */
export interface AllocationOwner {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export type AllocationErrorCode = 'NotInRange' | 'Allocated' | 'Full';

/** Why a value could not be reserved, worded as upstream's allocator errors. */
export class AllocationError extends Error {
  override readonly name = 'AllocationError';
  constructor(
    readonly code: AllocationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const ALLOCATION_PREFIX = '/registry/tskube/';

export class RangeAllocator<T extends string | number> {
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  /**
   * @param prefix  where reservations live, e.g. `/registry/tskube/serviceips/`
   * @param noun    `IP` or `port`, for messages
   */
  constructor(
    private readonly kv: KV,
    readonly range: AllocationRange<T>,
    private readonly prefix: string,
    private readonly noun: 'IP' | 'port',
    private readonly random: () => number = Math.random,
  ) {}

  private key(value: T): string {
    return `${this.prefix}${String(value)}`;
  }

  notInRange(): AllocationError {
    const what = this.noun === 'IP' ? 'IPs' : 'ports';
    return new AllocationError('NotInRange', `the provided ${this.noun} is not in the valid range. The range of valid ${what} is ${this.range.description}`);
  }

  /** Reserves `value` for `owner`; with `dryRun`, only checks that it could be. */
  async allocate(value: T, owner: AllocationOwner, dryRun = false): Promise<void> {
    if (this.range.offsetOf(value) === undefined) throw this.notInRange();
    const taken = new AllocationError('Allocated', `provided ${this.noun} is already allocated`);
    if (dryRun) {
      const { kv } = await this.kv.get(this.key(value));
      if (kv) throw taken;
      return;
    }
    if (!(await this.tryReserve(value, owner))) throw taken;
  }

  /**
   * Reserves a free value for `owner`: a random start in the dynamic band, then the next free
   * value after it; the static band only when the dynamic band is full. With `dryRun`, returns a
   * value that is free now without reserving it.
   */
  async allocateNext(owner: AllocationOwner, dryRun = false): Promise<T> {
    const inUse = await this.reservedOffsets();
    const { size, staticBandSize } = this.range;
    const bands: [number, number][] = [
      [staticBandSize, size],
      [0, staticBandSize],
    ];
    for (const [from, to] of bands) {
      const width = to - from;
      if (width <= 0) continue;
      const start = Math.floor(this.random() * width);
      for (let i = 0; i < width; i++) {
        const offset = from + ((start + i) % width);
        if (inUse.has(offset)) continue;
        const value = this.range.valueAt(offset);
        if (dryRun || (await this.tryReserve(value, owner))) return value;
        // Another API server took it between our read and our create: try the next one.
        inUse.add(offset);
      }
    }
    throw new AllocationError('Full', 'range is full');
  }

  /** Frees `value` if `owner` still holds it; a value held by someone else is left alone. */
  async release(value: T, owner: AllocationOwner): Promise<void> {
    const key = this.key(value);
    const { kv } = await this.kv.get(key);
    if (!kv || this.ownerOf(kv.value)?.uid !== owner.uid) return;
    try {
      await this.kv.delete(key, kv.modRevision);
    } catch (err) {
      // Changed or gone meanwhile: no longer ours to free.
      if (!isStorageError(err, 'Conflict') && !isStorageError(err, 'KeyNotFound')) throw err;
    }
  }

  /** Every reservation with its owner (for the repair pass at API server start). */
  async list(): Promise<{ value: string; owner: AllocationOwner | undefined; createRevision: number }[]> {
    const out: { value: string; owner: AllocationOwner | undefined; createRevision: number }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.kv.list(this.prefix, { limit: 10_000, ...(after && { after }) });
      for (const kv of page.kvs) out.push({ value: kv.key.slice(this.prefix.length), owner: this.ownerOf(kv.value), createRevision: kv.createRevision });
      after = page.kvs.at(-1)?.key;
      if (!page.more || after === undefined) return out;
    }
  }

  private async reservedOffsets(): Promise<Set<number>> {
    const offsets = new Set<number>();
    for (const { value } of await this.list()) {
      const parsed = (this.noun === 'port' ? Number(value) : value) as T;
      const offset = this.range.offsetOf(parsed);
      if (offset !== undefined) offsets.add(offset);
    }
    return offsets;
  }

  private async tryReserve(value: T, owner: AllocationOwner): Promise<boolean> {
    try {
      await this.kv.create(this.key(value), this.encoder.encode(JSON.stringify(owner)));
      return true;
    } catch (err) {
      if (isStorageError(err, 'KeyExists')) return false;
      throw err;
    }
  }

  private ownerOf(value: Uint8Array): AllocationOwner | undefined {
    try {
      const parsed = JSON.parse(this.decoder.decode(value)) as Partial<AllocationOwner>;
      return typeof parsed.uid === 'string' ? (parsed as AllocationOwner) : undefined;
    } catch {
      // A foreign or corrupt value: nobody we know owns it, so nothing releases it by accident.
      return undefined;
    }
  }
}
