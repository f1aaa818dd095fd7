import { createHash } from 'node:crypto';
import { z } from 'zod';

/** `social`: a provider account (`<provider>:<subject>`), so one Google or Apple id signs in to one customer. */
export const identifierKinds = ['email', 'phone', 'username', 'social'] as const;
export type IdentifierKind = (typeof identifierKinds)[number];

export const identifierEventSchemas = {
  IdentifierClaimed: z.object({ application_id: z.string(), kind: z.enum(identifierKinds), user_id: z.string() }),
  IdentifierReleased: z.object({ application_id: z.string(), kind: z.enum(identifierKinds), user_id: z.string() }),
} as const;

type Schemas = typeof identifierEventSchemas;
export type IdentifierEvent = {
  [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> };
}[keyof Schemas];

export const IDENTIFIER_STREAM_PREFIX = 'identifier-';

/**
 * One stream per (application, kind, value): appending to it with an expected revision is what
 * makes an email, phone or username unique under concurrent requests. The value is hashed so
 * that stream names, which every store indexes and logs, carry no personal data.
 */
export function identifierStream(applicationId: string, kind: IdentifierKind, value: string): string {
  const digest = createHash('sha256').update(`${applicationId}\u0000${kind}\u0000${value}`).digest('hex');
  return `${IDENTIFIER_STREAM_PREFIX}${digest}`;
}
