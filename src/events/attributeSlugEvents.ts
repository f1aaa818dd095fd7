import { createHash } from 'node:crypto';
import { z } from 'zod';

export const attributeSlugEventSchemas = {
  AttributeSlugClaimed: z.object({ application_id: z.string(), definition_id: z.string() }),
  AttributeSlugReleased: z.object({ application_id: z.string(), definition_id: z.string() }),
} as const;

type Schemas = typeof attributeSlugEventSchemas;
export type AttributeSlugEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const ATTRIBUTE_SLUG_STREAM_PREFIX = 'attributeSlug-';

/**
 * One stream per (application, slug): claiming it with an expected revision is what keeps a slug
 * unique under concurrent creates, the same technique as emails and phone numbers.
 */
export function attributeSlugStream(applicationId: string, slug: string): string {
  const digest = createHash('sha256').update(`${applicationId}\u0000${slug}`).digest('hex');
  return `${ATTRIBUTE_SLUG_STREAM_PREFIX}${digest}`;
}
