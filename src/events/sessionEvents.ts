import { z } from 'zod';

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
  SessionEnded: z.object({
    session_id: z.string(),
    user_id: z.string(),
    reason: z.string(),
    reason_id: z.string().optional(),
  }),
} as const;

type Schemas = typeof sessionEventSchemas;
export type SessionEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const sessionStream = (sessionId: string): string => `session-${sessionId}`;
export const SESSION_STREAM_PREFIX = 'session-';
