import { z } from 'zod';
import type { CommandContext, CommandDeps } from '../commands/commandRunner.js';
import { handleWebhookCommand } from '../commands/webhook/handlers.js';
import { PUBLISHED_EVENT_TYPES } from '../events/published.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import { notFound } from '../shared/errors.js';
import type { FieldCipher } from '../shared/fieldCipher.js';
import type { IdGenerator } from '../shared/ids.js';
import { DELIVER_WEBHOOK, deliveryPayload, deliveryPayloadOf, type DeliveryPayload } from './delivery.js';
import { webhookMatches } from './dispatcher.js';
import type { Webhook, WebhookRegistry } from './registry.js';

export const webhookInput = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048, 'must be at most 2048 characters'),
  event_types: z
    .array(z.string())
    .min(1, 'must name at least one event type')
    .max(100)
    .refine((types) => types.every((t) => t === '*' || PUBLISHED_EVENT_TYPES.has(t)), {
      message: `must name published event types (or "*" for all): ${[...PUBLISHED_EVENT_TYPES].join(', ')}`,
    }),
  description: z.string().max(500).optional(),
});
export type WebhookInput = z.infer<typeof webhookInput>;

export interface WebhookView {
  id: string;
  url: string;
  event_types: string[];
  description?: string;
  created_at: string;
  /** Events after this log position are delivered to it. */
  since_position: string;
}

export interface DeadLetter {
  delivery_id: string;
  webhook_id: string;
  position: string;
  event_type: string;
  event_id: string;
  attempts: number;
  error: string;
  failed_at: string;
}

const view = (w: Webhook): WebhookView => ({
  id: w.id,
  url: w.url,
  event_types: w.event_types,
  ...(w.description === undefined ? {} : { description: w.description }),
  created_at: w.created_at,
  since_position: w.since.toString(),
});

interface Scope {
  company_id: string;
  application_id: string;
}

/** What the platform API and the CLI both do with webhooks. */
export class Webhooks {
  constructor(
    private readonly deps: {
      commands: CommandDeps;
      registry: WebhookRegistry;
      jobs: JobQueue;
      cipher: FieldCipher;
      ids: IdGenerator;
    },
  ) {}

  private scopeOf(context: CommandContext): Scope {
    const { company_id, application_id } = context.metadata;
    if (application_id === undefined) throw new Error('webhook commands need an application scope');
    return { company_id, application_id };
  }

  /** The secret is in the reply and nowhere else in clear: the event keeps it sealed with the data key. */
  async register(context: CommandContext, input: WebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
    const scope = this.scopeOf(context);
    const webhookId = this.deps.ids.objectId();
    const secret = `whsec_${this.deps.ids.token(32)}`;
    await handleWebhookCommand(this.deps.commands, context, {
      type: 'RegisterWebhook',
      data: {
        webhook_id: webhookId,
        ...scope,
        url: input.url,
        event_types: [...new Set(input.event_types)],
        ...(input.description === undefined ? {} : { description: input.description }),
        secret_sealed: this.deps.cipher.encrypt(secret),
      },
    });
    return { webhook: await this.get(scope, webhookId), secret };
  }

  async list(scope: Scope): Promise<WebhookView[]> {
    await this.deps.registry.refresh();
    return this.deps.registry
      .forApplication(scope.company_id, scope.application_id)
      .sort((a, b) => (a.since < b.since ? -1 : 1))
      .map(view);
  }

  async get(scope: Scope, webhookId: string): Promise<WebhookView> {
    await this.deps.registry.refresh();
    return view(this.scoped(scope, webhookId));
  }

  private scoped(scope: Scope, webhookId: string): Webhook {
    const webhook = this.deps.registry.get(webhookId);
    if (webhook === undefined || webhook.company_id !== scope.company_id || webhook.application_id !== scope.application_id) {
      throw notFound('webhook', 'webhook_id');
    }
    return webhook;
  }

  /** Deliveries not yet made are dropped when they come up: a deleted webhook receives nothing more. */
  async remove(context: CommandContext, webhookId: string, reason?: string): Promise<void> {
    const scope = this.scopeOf(context);
    await handleWebhookCommand(this.deps.commands, context, {
      type: 'DeleteWebhook',
      webhook_id: webhookId,
      application_id: scope.application_id,
      ...(reason === undefined ? {} : { reason }),
    });
    await this.deps.registry.refresh();
  }

  /** Deliveries that failed every attempt, newest first. */
  async deadLetters(scope: Scope, webhookId?: string, limit = 100): Promise<DeadLetter[]> {
    const failed = await this.deps.jobs.failed(1000);
    const letters: DeadLetter[] = [];
    for (const job of failed) {
      if (job.name !== DELIVER_WEBHOOK) continue;
      const payload = deliveryPayload.safeParse(job.payload);
      if (!payload.success || !this.inScope(payload.data, scope) || (webhookId !== undefined && payload.data.webhook_id !== webhookId)) continue;
      const { webhook_id, position, event_type, event_id } = payload.data;
      letters.push({ delivery_id: job.id, webhook_id, position, event_type, event_id, attempts: job.attempts, error: job.error, failed_at: job.failedAt.toISOString() });
      if (letters.length >= limit) break;
    }
    return letters;
  }

  private inScope(payload: DeliveryPayload, scope: Scope): boolean {
    return payload.company_id === scope.company_id && payload.application_id === scope.application_id;
  }

  /**
   * Sends a delivery again: a dead-lettered one goes back to the queue with fresh attempts; any
   * other (delivered, or pruned from the queue) is sent again as a new delivery. Either way it
   * arrives outside its user's order, which is why consumers key on `metadata.event_id`.
   */
  async replay(scope: Scope, deliveryId: string): Promise<{ delivery_id: string; from: 'dead_letters' | 'log' }> {
    const dead = (await this.deadLetters(scope, undefined, 1000)).some((d) => d.delivery_id === deliveryId);
    if (dead && (await this.deps.jobs.retry(deliveryId))) return { delivery_id: deliveryId, from: 'dead_letters' };
    const match = /^webhook-([^-]+)-(\d{1,20})(?:-replay-.*)?$/.exec(deliveryId);
    if (match === null) throw notFound('delivery', 'delivery_id');
    await this.deps.registry.refresh();
    const webhook = this.scoped(scope, match[1]!);
    const position = BigInt(match[2]!);
    const [event] = await this.deps.commands.store.readAll({ after: position - 1n, limit: 1 });
    if (event === undefined || event.position !== position || !PUBLISHED_EVENT_TYPES.has(event.type) || !webhookMatches(webhook, event)) {
      throw notFound('delivery', 'delivery_id');
    }
    const replayId = `webhook-${webhook.id}-${position}-replay-${this.deps.ids.token(6)}`;
    await this.deps.jobs.enqueue(DELIVER_WEBHOOK, deliveryPayloadOf(webhook, event), { jobId: replayId });
    return { delivery_id: replayId, from: 'log' };
  }
}
