import { z } from 'zod';
import type { Actor } from './envelope.js';
import type { UpcastEnvelope, Upcaster } from './upcasting.js';

/** Who ended a session: the user (sign-out), the merchant's back office, or the service itself (block, archive, expiry). */
export const sessionEnders = ['user', 'platform', 'system'] as const;
export type SessionEnder = (typeof sessionEnders)[number];

export function sessionEnderOf(actor: Actor): SessionEnder {
  return actor.type === 'platform_client' ? 'platform' : actor.type;
}

const sessionEndedV1 = z.object({
  session_id: z.string(),
  user_id: z.string(),
  reason: z.string(),
  reason_id: z.string().optional(),
});

export const sessionEventSchemas = {
  SessionStarted: z.object({
    session_id: z.string(),
    user_id: z.string(),
    application_id: z.string(),
    domain: z.string(),
    expires_at: z.string(),
    user_agent: z.string(),
    ip: z.string(),
  }),
  SessionEnded: sessionEndedV1.extend({
    /** v2: who ended it. A v1 event is upcast with the kind of its actor (see `sessionEventUpcasters`). */
    ended_by: z.enum(sessionEnders).describe('v2: who ended it: the customer, the back office, or the service (expiry, bootstrap).'),
  }),
} as const;

/** Earlier versions of the session events and how each is read as the next one. */
export const sessionEventUpcasters = {
  SessionEnded: [
    {
      version: 1,
      schema: sessionEndedV1,
      up: (data: unknown, envelope: UpcastEnvelope): unknown => ({ ...(data as object), ended_by: sessionEnderOf(envelope.metadata.actor) }),
    },
  ],
} satisfies Record<string, Upcaster[]>;

type Schemas = typeof sessionEventSchemas;
export type SessionEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const sessionStream = (sessionId: string): string => `session-${sessionId}`;
export const SESSION_STREAM_PREFIX = 'session-';
