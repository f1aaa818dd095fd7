import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventStore } from '../events/eventStore.js';
import type { CheckpointStore } from './readStore.js';

/** Extends the lease only if this holder still has it: a holder that lost it must not take it back unseen. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the lease only if this holder has it, so a late release cannot free another holder's lease. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface Lease {
  /** True while the lease is certainly ours: until a safety margin before its expiry as last set. */
  readonly held: boolean;
  acquire(): Promise<boolean>;
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** A lease on one Redis key that expires after `ttlMs` unless renewed: a holder that dies loses it. */
export class RedisLease implements Lease {
  private validUntil = 0;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly ttlMs: number,
    readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`,
  ) {}

  get held(): boolean {
    return Date.now() < this.validUntil;
  }

  /** Takes the lease if free; when we hold it already, acquiring renews it. */
  async acquire(): Promise<boolean> {
    const started = Date.now();
    const set = await this.redis.set(this.key, this.holder, 'PX', this.ttlMs, 'NX');
    if (set !== 'OK') return this.renew();
    this.extendFrom(started);
    return true;
  }

  async renew(): Promise<boolean> {
    const started = Date.now();
    const renewed = (await this.redis.eval(RENEW, 1, this.key, this.holder, String(this.ttlMs))) === 1;
    if (renewed) this.extendFrom(started);
    else this.validUntil = 0;
    return renewed;
  }

  async release(): Promise<void> {
    this.validUntil = 0;
    await this.redis.eval(RELEASE, 1, this.key, this.holder);
  }

  private extendFrom(started: number): void {
    // Counted from before the request, less a margin for clock drift: we stop believing before Redis expires it.
    this.validUntil = started + this.ttlMs - Math.min(this.ttlMs / 10, 1000);
  }
}

/**
 * Runs the projections in one instance at a time. Every instance keeps its projection runner
 * going, through gates: while this instance holds the lease the runner reads the log and writes
 * checkpoints; otherwise it reads an empty log and so only follows the holder's checkpoints,
 * which is what read-your-writes and the health check of a non-holder wait on.
 */
export class ProjectionLease {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  /** Whether the runner's current catch-up began as holder (see gateLog). */
  private applying = false;

  constructor(
    private readonly lease: Lease,
    private readonly intervalMs: number,
    private readonly logger?: Logger,
  ) {}

  get holding(): boolean {
    return this.lease.held;
  }

  /** Tries once before returning, so that a lone instance catches up at start; then keeps trying or renewing. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.tick();
  }

  /** Stops renewing and releases the lease, so another instance can take over without waiting out the TTL. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pending;
    if (!this.lease.held) return;
    try {
      await this.lease.release();
    } catch (error) {
      this.logger?.warn({ err: error }, 'projection lease: release failed; it expires on its own');
    }
  }

  private async tick(): Promise<void> {
    const was = this.lease.held;
    try {
      const now = was ? await this.lease.renew() : await this.lease.acquire();
      if (now && !was) this.logger?.info('projection lease acquired: this instance runs the projections');
      if (!now && was) this.logger?.warn('projection lease lost: another instance runs the projections');
    } catch (error) {
      // Without Redis we cannot renew; `held` runs out on its own before the key can expire.
      this.logger?.warn({ err: error }, 'projection lease: Redis did not answer');
    }
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pending = this.tick();
    }, this.intervalMs);
  }

  /**
   * The log as the runner should see it. The runner asks for the head first in every catch-up:
   * that call decides whether this catch-up applies events or only follows. A lease lost in the
   * middle of applying fails the catch-up (the runner retries as a follower) rather than ending it
   * early, because an early end would let the runner believe it had reached the head.
   */
  gateLog(store: EventStore): EventStore {
    return {
      readStream: (stream) => store.readStream(stream),
      append: (requests) => store.append(requests),
      close: () => store.close(),
      headPosition: async () => {
        this.applying = this.lease.held;
        return this.applying ? store.headPosition() : 0n;
      },
      readAll: async (options) => {
        if (!this.applying) return [];
        if (!this.lease.held) throw new Error('projection lease lost while applying events');
        return store.readAll(options);
      },
    };
  }

  /** Checkpoints as the runner should see them: a follower reads the holder's and never writes. */
  gateCheckpoints(checkpoints: CheckpointStore): CheckpointStore {
    return {
      get: (projection) => checkpoints.get(projection),
      set: async (projection, position) => {
        if (!this.applying) return;
        if (!this.lease.held) throw new Error('projection lease lost while applying events');
        await checkpoints.set(projection, position);
      },
    };
  }
}
