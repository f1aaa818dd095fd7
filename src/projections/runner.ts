import { PollingLoop } from '../shared/pollingLoop.js';
import type { Logger } from 'pino';
import type { EventStore } from '../events/eventStore.js';
import type { CheckpointStore, Projection } from './readStore.js';

export interface RunnerOptions {
  batchSize?: number;
  pollMs?: number;
  logger?: Logger;
  onProgress?: (projection: string, position: bigint) => void;
}

/**
 * Feeds read models from the log: each projection reads the events after its checkpoint, applies
 * them (idempotently: a crash between apply and checkpoint replays a batch harmlessly) and moves
 * the checkpoint. Used when the read store is not the embedded one, and to catch up at start.
 */
export class ProjectionRunner {
  private readonly loop: PollingLoop;
  private readonly positions = new Map<string, bigint>();
  private readonly waiters = new Set<{ position: bigint; resolve: () => void }>();
  private caughtUpOnce = false;

  constructor(
    private readonly store: EventStore,
    private readonly projections: Projection[],
    private readonly checkpoints: CheckpointStore,
    private readonly options: RunnerOptions = {},
  ) {
    this.loop = new PollingLoop(() => this.catchUpAll(), { pollMs: options.pollMs ?? 50, what: 'projection runner', logger: options.logger });
  }

  /** Applies everything up to the log's head; returns the number of events applied. */
  async catchUp(projection: Projection): Promise<number> {
    const batchSize = this.options.batchSize ?? 1000;
    // Read the head first: bumping a quiet filter's checkpoint to it below can then skip nothing.
    const head = await this.store.headPosition();
    let position = await this.checkpoints.get(projection.name);
    let applied = 0;
    for (;;) {
      const events = await this.store.readAll({ after: position, limit: batchSize, streamPrefixes: projection.streamPrefixes });
      const last = events.at(-1);
      if (last === undefined) break;
      await projection.apply(events);
      position = last.position;
      await this.checkpoints.set(projection.name, position);
      applied += events.length;
      this.options.onProgress?.(projection.name, position);
      if (events.length < batchSize) break;
    }
    // A quiet filter must not leave the checkpoint behind the head, or waiters would wait forever.
    if (head > position) {
      position = head;
      await this.checkpoints.set(projection.name, position);
    }
    this.positions.set(projection.name, position);
    return applied;
  }

  async catchUpAll(): Promise<void> {
    for (const projection of this.projections) await this.catchUp(projection);
    this.caughtUpOnce = true;
    this.release();
  }

  get ready(): boolean {
    return this.caughtUpOnce;
  }

  /** The lowest position every projection has passed. */
  get position(): bigint {
    let min: bigint | undefined;
    for (const p of this.projections) {
      const at = this.positions.get(p.name) ?? 0n;
      if (min === undefined || at < min) min = at;
    }
    return min ?? 0n;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Resolves when every projection has passed `position`, or after `timeoutMs` (bounded wait). */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => resolve(true) };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) resolve(false);
      }, timeoutMs).unref();
    });
  }

  private release(): void {
    const at = this.position;
    for (const waiter of this.waiters) {
      if (waiter.position <= at) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
