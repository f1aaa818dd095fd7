import { z } from 'zod';
import { PermanentJobError, errorMessage, type JobQueue } from '../jobs/jobQueue.js';
import type { FieldCipher } from '../shared/fieldCipher.js';
import type { StoredEvent } from '../events/envelope.js';
import type { EventStore } from '../events/eventStore.js';
import { toPublished } from '../events/published.js';
import type { Webhook, WebhookRegistry } from './registry.js';
import { DELIVERY_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';

export const DELIVER_WEBHOOK = 'webhook.deliver';

/**
 * One event for one webhook, by reference: the event is read from the log when it is sent, so
 * the job store holds no personal data, and a delivery made after the person was erased carries
 * the erased markers, not what they were. The fields are what the dead-letter list shows.
 */
export const deliveryPayload = z.object({
  webhook_id: z.string(),
  company_id: z.string(),
  application_id: z.string(),
  position: z.string(),
  event_type: z.string(),
  event_id: z.string(),
  stream: z.string(),
});
export type DeliveryPayload = z.infer<typeof deliveryPayload>;

export const deliveryIdOf = (webhookId: string, position: bigint | string): string => `webhook-${webhookId}-${String(position)}`;

export function deliveryPayloadOf(webhook: Webhook, event: StoredEvent): DeliveryPayload {
  return {
    webhook_id: webhook.id,
    company_id: webhook.company_id,
    application_id: webhook.application_id,
    position: event.position.toString(),
    event_type: event.type,
    event_id: event.id,
    stream: event.stream,
  };
}

export interface DeliveryOptions {
  now: () => Date;
  timeoutMs?: number;
  /** Called after each run, delivered or not: the dispatcher moves the user's lane on without waiting for its next poll. */
  onSettled?: () => void;
}

/**
 * POSTs the event's envelope as the body, signed (see signature.ts). Anything but a 2xx within
 * the timeout fails the attempt and the queue retries it with backoff; after the last attempt
 * the delivery is in the dead-letter list. Redirects are not followed: the registered URL is the
 * one the secret was given for.
 */
export function registerWebhookDeliveries(
  jobs: JobQueue,
  registry: WebhookRegistry,
  cipher: FieldCipher,
  log: Pick<EventStore, 'readStream'>,
  options: DeliveryOptions,
): void {
  const timeoutMs = options.timeoutMs ?? 10_000;
  jobs.register(DELIVER_WEBHOOK, async (payload, job) => {
    try {
      const parsed = deliveryPayload.safeParse(payload);
      if (!parsed.success) throw new PermanentJobError('a webhook delivery payload does not parse');
      await registry.refresh();
      const webhook = registry.get(parsed.data.webhook_id);
      // Deleted since: there is no one left to deliver to, and nothing to retry.
      if (webhook === undefined) return;
      const event = (await log.readStream(parsed.data.stream)).find((e) => e.id === parsed.data.event_id);
      if (event === undefined) throw new PermanentJobError(`event ${parsed.data.event_id} is not in stream ${parsed.data.stream}`);
      const body = JSON.stringify(toPublished(event));
      const secret = cipher.decrypt(webhook.secret_sealed);
      const timestamp = Math.floor(options.now().getTime() / 1000);
      let response: Response;
      try {
        response = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'user-service-webhooks/1',
            [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
            [DELIVERY_HEADER]: job.id,
            [EVENT_TYPE_HEADER]: parsed.data.event_type,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        throw new Error(`the webhook could not be reached (${errorMessage(error)}${cause})`);
      }
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
    } finally {
      options.onSettled?.();
    }
  });
}
