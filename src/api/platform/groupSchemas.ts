import { z } from 'zod';
import { GROUP_TYPES } from '../../events/groupEvents.js';
import { FILTER_OPERATORS } from '../../projections/attributes/attributeFilter.js';

const MAX_CONDITIONS = 20;
export const MAX_USER_DATA = 1000;

const fileUrl = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => v === '' || (/^https?:\/\//i.test(v) && URL.canParse(v)), 'must be an http:// or https:// URL');

const condition = z.object({
  user_attribute_definition_id: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an attribute definition id'),
  type: z.enum(FILTER_OPERATORS, { error: `must be one of ${FILTER_OPERATORS.join(', ')}` }),
  // The contract types the operand as text; numbers and booleans are accepted and read as their text.
  value: z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(z.string().max(1024, 'must be at most 1024 characters')),
});
export type ConditionInput = z.infer<typeof condition>;

const conditions = z.array(condition).max(MAX_CONDITIONS, `at most ${MAX_CONDITIONS} conditions`);
const required = { error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : 'must be text') };
const name = z.string(required).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const description = z.string(required).max(2000, 'must be at most 2000 characters');
const groupType = z.enum(GROUP_TYPES, { error: `must be one of ${GROUP_TYPES.join(', ')}` });

export const createGroupBody = z.object({
  name,
  description,
  type: groupType.optional(),
  conditions: conditions.optional(),
  file_url: fileUrl.optional(),
});

export const updateGroupBody = z.object({
  name: name.optional(),
  description: description.optional(),
  type: groupType.optional(),
  conditions: conditions.optional(),
  file_url: fileUrl.optional(),
});

const userData = z
  .object({
    user_id: z.string().trim().min(1).max(64).optional(),
    email: z.string().trim().min(1).max(320).optional(),
    phone_number: z.string().trim().min(1).max(32).optional(),
    action: z.enum(['add', 'remove'], { error: 'must be add or remove' }),
  })
  .refine((d) => [d.user_id, d.email, d.phone_number].filter((v) => v !== undefined).length === 1, {
    message: 'must name the user by exactly one of user_id, email, phone_number',
  });
export type UserDataInput = z.infer<typeof userData>;

export const patchGroupBody = z
  .object({
    type: z.enum(['file_url', 'json'], { error: 'must be file_url or json' }).default('file_url'),
    name: name.optional(),
    description: description.optional(),
    file_url: fileUrl.optional(),
    user_data: z.array(userData).min(1, 'must not be empty').max(MAX_USER_DATA, `at most ${MAX_USER_DATA} entries`).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.type === 'json' && body.user_data === undefined) ctx.addIssue({ code: 'custom', path: ['user_data'], message: 'is required when type is json' });
    if (body.type === 'file_url' && (body.file_url === undefined || body.file_url === '')) {
      ctx.addIssue({ code: 'custom', path: ['file_url'], message: 'is required when type is file_url' });
    }
  });

const pageNumber = (fallback: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(fallback);
const optionalText = z
  .string()
  .max(200, 'must be at most 200 characters')
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const groupListQuery = z.object({
  page_no: pageNumber(1, 1_000_000),
  page_size: pageNumber(10, 500),
  name: optionalText,
  type: groupType.optional(),
  // The contract types it as free text: an unknown status matches no group rather than being refused.
  status: optionalText,
  group_uid: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').optional(),
});
