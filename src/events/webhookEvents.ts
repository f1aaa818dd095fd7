import { z } from 'zod';

export const webhookEventSchemas = {
  /** `secret_sealed`: the signing secret, AES-256-GCM with the data key; the operator saw it once, in the reply. */
  WebhookRegistered: z.object({
    webhook_id: z.string(),
    company_id: z.string(),
    application_id: z.string(),
    url: z.string(),
    event_types: z.array(z.string()).min(1),
    description: z.string().optional(),
    secret_sealed: z.string(),
  }),
  WebhookDeleted: z.object({ webhook_id: z.string(), application_id: z.string(), reason: z.string().optional() }),
} as const;

type Schemas = typeof webhookEventSchemas;
export type WebhookEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const WEBHOOK_STREAM_PREFIX = 'webhook-';
export const webhookStream = (webhookId: string): string => `${WEBHOOK_STREAM_PREFIX}${webhookId}`;
