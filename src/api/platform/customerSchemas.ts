import { z } from 'zod';

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
const reason = z.string().trim().min(1, 'is required').max(1000, 'must be at most 1000 characters');
const userId = z.string().trim().min(1, 'is required').max(64, 'is too long');
const meta = z.record(z.string(), z.unknown()).refine((m) => JSON.stringify(m).length <= 16_384, 'must be at most 16 KiB of JSON');
const flag = z.boolean().optional();

export const createCustomerBody = z.object({
  phone_number: z.string({ error: 'is required' }).trim().min(1, 'is required').max(32),
  email: z.email('must be an email address').max(254).optional(),
  first_name: text(100).optional(),
  last_name: text(100).optional(),
  gender: text(32).optional(),
  username: z
    .string()
    .trim()
    .min(3, 'must be at least 3 characters')
    .max(64)
    .regex(/^[A-Za-z0-9._@+-]+$/, 'may contain only letters, digits and . _ @ + -')
    .optional(),
  meta: meta.optional(),
  external_id: text(128).optional(),
  rr_id: text(128).optional(),
});

export const updateCustomerBody = z.object({
  first_name: text(100).optional(),
  last_name: text(100).optional(),
  gender: text(32).optional(),
  external_id: text(128).optional(),
  rr_id: text(128).optional(),
  meta: meta.optional(),
  phone_numbers: z
    .array(
      z.object({
        phone: z.string({ error: 'is required' }).trim().min(1, 'is required').max(32),
        country_code: z.union([z.string(), z.number()]).optional(),
        active: flag,
        primary: flag,
        verified: flag,
      }),
    )
    .max(10, 'at most 10 phone numbers')
    .optional(),
  emails: z
    .array(
      z.object({
        email: z.email('must be an email address').max(254),
        active: flag,
        primary: flag,
        verified: flag,
      }),
    )
    .max(10, 'at most 10 emails')
    .optional(),
});

export const blockBody = z.object({
  status: z.boolean({ error: 'is required: false blocks, true unblocks' }),
  user_id: z.array(userId, { error: 'must be an array of user ids' }).min(1, 'needs at least one user id').max(100, 'at most 100 users at once'),
  reason,
  reason_id: text(64).optional(),
});

export const archiveBody = z.object({
  user_id: userId,
  reason: text(1000).optional(),
  reason_id: text(64).optional(),
});

export const restoreBody = z.object({
  user_id: userId,
  reason,
  reason_id: text(64).optional(),
});

const pageNumber = (name: string, fallback: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback);

export const listQuery = z.object({
  q: z.string().max(4096).optional(),
  page_no: pageNumber('page_no', 1, 1_000_000),
  page_size: pageNumber('page_size', 10, 500),
});

export const searchQuery = z.object({
  q: z.string().max(4096).optional(),
  query: z
    .union([z.string().max(320), z.array(z.string().max(320)).max(100, 'at most 100 values')])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});
