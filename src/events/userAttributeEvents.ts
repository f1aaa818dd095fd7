import { z } from 'zod';

const identity = {
  attribute_id: z.string(),
  application_id: z.string(),
  definition_id: z.string(),
  user_id: z.string(),
};

export const userAttributeEventSchemas = {
  /** `value` is the normalized value, or when `encrypted` its AES-256-GCM ciphertext (a string). */
  UserAttributeSet: z.object({
    ...identity,
    value: z.unknown().refine((v): boolean => v !== undefined && v !== null, 'value is required'),
    encrypted: z.boolean(),
    customer_overridden: z.boolean(),
  }),
  UserAttributeDeleted: z.object({ ...identity, reason: z.enum(['deleted', 'definition_deleted', 'user_erased']) }),
} as const;

type Schemas = typeof userAttributeEventSchemas;
export type UserAttributeEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const USER_ATTRIBUTE_STREAM_PREFIX = 'userAttribute-';

/**
 * One stream per (definition, user): the service keeps at most one value per user and
 * definition, and the expected revision of this stream is what keeps it so under concurrency.
 */
export const userAttributeStream = (definitionId: string, userId: string): string =>
  `${USER_ATTRIBUTE_STREAM_PREFIX}${definitionId}-${userId}`;
