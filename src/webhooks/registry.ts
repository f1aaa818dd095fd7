import type { EventStore } from '../events/eventStore.js';
import { WEBHOOK_STREAM_PREFIX, webhookEventSchemas } from '../events/webhookEvents.js';

export interface Webhook {
  id: string;
  company_id: string;
  application_id: string;
  url: string;
  event_types: string[];
  description?: string;
  secret_sealed: string;
  created_at: string;
  /** Position of its registration: it receives the events after it, none before. */
  since: bigint;
}

/**
 * The registered webhooks, a read model kept in memory: there are few of them, every instance
 * needs all of them (deliveries run on any BullMQ worker), and it is rebuilt from the log at
 * start. `refresh` reads only the webhook streams' events after the last one it saw, so on a
 * request's path it costs an indexed read of what changed, never a fold of the log.
 */
export class WebhookRegistry {
  private readonly webhooks = new Map<string, Webhook>();
  private position = 0n;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly store: EventStore) {}

  /** Concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readNew().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readNew(): Promise<void> {
    // Read the head first: every event at or below it is already written, so skipping to it misses none.
    const head = await this.store.headPosition();
    for (;;) {
      const events = await this.store.readAll({ after: this.position, limit: 500, streamPrefixes: [WEBHOOK_STREAM_PREFIX] });
      for (const event of events) {
        if (event.type === 'WebhookRegistered') {
          const { webhook_id, ...data } = webhookEventSchemas.WebhookRegistered.parse(event.data);
          this.webhooks.set(webhook_id, { id: webhook_id, ...data, created_at: event.occurred_at, since: event.position });
        } else if (event.type === 'WebhookDeleted') {
          this.webhooks.delete(webhookEventSchemas.WebhookDeleted.parse(event.data).webhook_id);
        }
        this.position = event.position;
      }
      if (events.length < 500) break;
    }
    if (head > this.position) this.position = head;
  }

  get(id: string): Webhook | undefined {
    return this.webhooks.get(id);
  }

  forApplication(companyId: string, applicationId: string): Webhook[] {
    return [...this.webhooks.values()].filter((w) => w.company_id === companyId && w.application_id === applicationId);
  }

  all(): Webhook[] {
    return [...this.webhooks.values()];
  }
}
