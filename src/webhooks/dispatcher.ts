import { PollingLoop } from '../shared/pollingLoop.js';
import type { Logger } from 'pino';
import type { StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/eventStore.js';
import { PUBLISHED_EVENT_TYPES } from '../events/published.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import type { CheckpointStore } from '../projections/readStore.js';
import type { FieldCipher } from '../shared/fieldCipher.js';
import { DELIVER_WEBHOOK, deliveryIdOf, deliveryPayloadOf, type DeliveryPayload } from './delivery.js';
import type { Webhook, WebhookRegistry } from './registry.js';

export const DISPATCHER_CHECKPOINT = 'webhook-dispatcher';
const READ_BATCH = 500;

interface Delivery {
  id: string;
  position: bigint;
  payload: DeliveryPayload;
}

/** A user's deliveries for one webhook, in log order: only the head is ever a job. */
interface Lane {
  queue: Delivery[];
  inFlight: boolean;
}

export interface DispatcherDeps {
  /** The log as the projection runner sees it: gated by the projection lease when instances share a read store. */
  log: EventStore;
  checkpoints: CheckpointStore;
  registry: WebhookRegistry;
  jobs: JobQueue;
  cipher: FieldCipher;
  logger?: Logger;
  pollMs?: number;
  /** Deliveries held in memory before reading of the log pauses. */
  maxPending?: number;
}

export function webhookMatches(webhook: Webhook, event: StoredEvent): boolean {
  return (
    event.position > webhook.since &&
    event.metadata.company_id === webhook.company_id &&
    event.metadata.application_id === webhook.application_id &&
    (webhook.event_types.includes('*') || webhook.event_types.includes(event.type))
  );
}

/** The user an event is about: the unit of ordering. Events about no user are ordered per stream. */
export function orderingKeyOf(event: StoredEvent): string {
  const userId = (event.data as { user_id?: unknown } | null)?.user_id;
  if (typeof userId === 'string') return `user:${userId}`;
  if (event.stream.startsWith('user-')) return `user:${event.stream.slice('user-'.length)}`;
  return `stream:${event.stream}`;
}

/**
 * Follows the published log from a checkpoint and turns each event into a delivery job per
 * matching webhook. Deliveries are at least once and in order per user: a user's next delivery
 * is enqueued only once the previous one is done or dead-lettered, while other users' lanes
 * move on. The checkpoint stays just below the oldest delivery not yet settled, so a restart
 * re-dispatches from there; delivery ids are fixed by (webhook, position), so a job already
 * enqueued or done is not enqueued twice.
 */
export class WebhookDispatcher {
  private cursor = 0n;
  private saved: bigint | undefined;
  private readonly lanes = new Map<string, Lane>();
  private pending = 0;
  private readonly loop: PollingLoop;

  constructor(private readonly deps: DispatcherDeps) {
    this.loop = new PollingLoop(() => this.tick(), { pollMs: deps.pollMs ?? 200, what: 'webhook dispatcher', logger: deps.logger });
  }

  /** One pass: read what is new, settle lanes whose head finished, enqueue the next heads, checkpoint. */
  async tick(): Promise<void> {
    const { log, checkpoints, registry, jobs } = this.deps;
    // Asked first, as the projection runner does: under a lease this is what decides whether this
    // instance dispatches. Read before the registry, so a webhook registered after it is known below.
    const head = await log.headPosition();
    await registry.refresh();
    if (this.lanes.size === 0) {
      const saved = await checkpoints.get(DISPATCHER_CHECKPOINT);
      if (saved > this.cursor) this.cursor = saved;
      // No webhook at all: nothing up to the head can be for anyone (a webhook gets only events
      // after its registration), so skip reading, and decrypting, every event of the log.
      if (registry.all().length === 0 && head > this.cursor) this.cursor = head;
    }
    const maxPending = this.deps.maxPending ?? 10_000;
    while (this.pending < maxPending) {
      const events = await log.readAll({ after: this.cursor, limit: READ_BATCH });
      for (const event of events) {
        this.route(event);
        this.cursor = event.position;
      }
      if (events.length < READ_BATCH) break;
    }
    for (const [key, lane] of this.lanes) {
      const head = lane.queue[0];
      if (head === undefined) {
        this.lanes.delete(key);
        continue;
      }
      if (lane.inFlight) {
        if ((await jobs.status(head.id)) === 'pending') continue;
        lane.queue.shift();
        this.pending -= 1;
        lane.inFlight = false;
      }
      const next = lane.queue[0];
      if (next === undefined) {
        this.lanes.delete(key);
        continue;
      }
      await jobs.enqueue(DELIVER_WEBHOOK, next.payload, { jobId: next.id });
      lane.inFlight = true;
    }
    let checkpoint = this.cursor;
    for (const lane of this.lanes.values()) {
      const head = lane.queue[0];
      if (head !== undefined && head.position - 1n < checkpoint) checkpoint = head.position - 1n;
    }
    // An idle dispatcher polls often; it writes only when the checkpoint moves.
    if (checkpoint !== this.saved) {
      await checkpoints.set(DISPATCHER_CHECKPOINT, checkpoint);
      this.saved = checkpoint;
    }
  }

  private route(event: StoredEvent): void {
    if (!PUBLISHED_EVENT_TYPES.has(event.type) || event.metadata.application_id === undefined) return;
    for (const webhook of this.deps.registry.forApplication(event.metadata.company_id, event.metadata.application_id)) {
      if (!webhookMatches(webhook, event)) continue;
      const key = `${webhook.id}|${orderingKeyOf(event)}`;
      let lane = this.lanes.get(key);
      if (lane === undefined) {
        lane = { queue: [], inFlight: false };
        this.lanes.set(key, lane);
      }
      lane.queue.push({
        id: deliveryIdOf(webhook.id, event.position),
        position: event.position,
        payload: deliveryPayloadOf(webhook, event),
      });
      this.pending += 1;
    }
  }

  /** Runs the next pass now rather than after the poll interval (a delivery just settled). */
  nudge(): void {
    this.loop.wake();
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
