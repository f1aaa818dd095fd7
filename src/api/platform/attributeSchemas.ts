import { z } from 'zod';
import { ATTRIBUTE_TYPES } from '../../commands/attributeDefinition/attributeTypes.js';
import type { DefinitionChanges } from '../../commands/attributeDefinition/decider.js';
import type { DefinitionInput } from '../../commands/attributeDefinition/definitionRules.js';
import { FILTER_OPERATORS } from '../../projections/attributes/attributeFilter.js';

const toggle = z.object({ enabled: z.boolean().optional(), type: z.string().max(64).optional() });
const flag = z.boolean().optional();
const id = z.string({ error: 'is required' }).trim().min(1, 'is required').max(64, 'is too long');

const definitionFields = {
  name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  slug: z
    .string({ error: 'is required' })
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits, _ or -, starting with a letter or digit'),
  description: z.string().max(1000, 'must be at most 1000 characters').optional(),
  type: z.enum(ATTRIBUTE_TYPES, { error: `must be one of ${ATTRIBUTE_TYPES.join(', ')}` }),
  multi_value: flag,
  is_multi_value: flag,
  customer_editable: flag,
  encrypted: flag,
  pinned: flag,
  is_locked: flag,
  pin_order: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0').max(1_000_000).optional(),
  default_value: z.unknown().optional(),
  validations: z.array(z.unknown(), { error: 'must be an array of {type, value}' }).max(20, 'at most 20 rules').optional(),
  icon: z.string().max(2048).optional(),
  ordering_channels: z.array(z.string().max(64)).max(50).optional(),
  masking: toggle.optional(),
  registration: toggle.optional(),
};

/** Both spellings are accepted (the seed's multi_value, the SDK's is_multi_value); they must agree. */
const oneSpelling = (body: { multi_value?: boolean | undefined; is_multi_value?: boolean | undefined }) =>
  body.multi_value === undefined || body.is_multi_value === undefined || body.multi_value === body.is_multi_value;
const spellingError = { message: 'multi_value and is_multi_value disagree', path: ['is_multi_value'] };

export const createDefinitionBody = z.object(definitionFields).refine(oneSpelling, spellingError);
export const updateDefinitionBody = z.object(definitionFields).partial().refine(oneSpelling, spellingError);

const defined = <T extends object>(entries: T): Partial<T> =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Partial<T>;

export function definitionInput(body: z.infer<typeof createDefinitionBody>): DefinitionInput {
  const { multi_value, is_multi_value, description, customer_editable, encrypted, pinned, is_locked, ordering_channels, ...rest } = body;
  return {
    ...defined(rest),
    name: body.name,
    slug: body.slug,
    type: body.type,
    description: description ?? '',
    is_multi_value: is_multi_value ?? multi_value ?? false,
    customer_editable: customer_editable ?? false,
    encrypted: encrypted ?? false,
    pinned: pinned ?? false,
    is_locked: is_locked ?? false,
    ordering_channels: ordering_channels ?? [],
  };
}

/** Given fields replace, absent ones stay; an empty default_value clears the default. */
export function definitionChanges(body: z.infer<typeof updateDefinitionBody>): DefinitionChanges {
  const { multi_value, is_multi_value, default_value, ...rest } = body;
  const multi = is_multi_value ?? multi_value;
  return {
    ...defined(rest),
    ...(multi === undefined ? {} : { is_multi_value: multi }),
    ...(default_value === undefined ? {} : { default_value: default_value === '' ? null : default_value }),
  };
}

const pageNumber = (fallback: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(fallback);
const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const queryFlag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true'));

export const definitionListQuery = z.object({
  excluding_ids: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')))
    .refine((ids) => ids === undefined || ids.length <= 500, 'at most 500 ids'),
  slug: text(64),
  type: z.enum(ATTRIBUTE_TYPES, { error: `must be one of ${ATTRIBUTE_TYPES.join(', ')}` }).optional(),
  customer_editable: queryFlag,
  encrypted: queryFlag,
  pinned: queryFlag,
  is_locked: queryFlag,
  pin_order: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').optional(),
  name: text(100),
  page_no: pageNumber(1, 1_000_000),
  page_size: pageNumber(10, 500),
});

export const pageQuery = z.object({ page_no: pageNumber(1, 1_000_000), page_size: pageNumber(10, 500) });

/** `customer_overriden` (seed) and `customer_overridden` (SDK 3.x) are both accepted. */
export const valueBody = z
  .object({
    customer_overriden: flag,
    customer_overridden: flag,
    attribute: z.object({ value: z.unknown() }, { error: 'is required: an object {value}' }),
  })
  .refine((b) => b.attribute.value !== undefined && b.attribute.value !== null, { message: 'is required', path: ['attribute', 'value'] })
  .refine((b) => b.customer_overriden === undefined || b.customer_overridden === undefined || b.customer_overriden === b.customer_overridden, {
    message: 'customer_overriden and customer_overridden disagree',
    path: ['customer_overridden'],
  });

const distinctIds = (ids: string[]) => new Set(ids).size === ids.length;

export const bulkValuesBody = z.object({
  attributes: z
    .array(z.object({ definition_id: id, value: z.unknown() }), { error: 'is required: an array of {definition_id, value}' })
    .min(1, 'needs at least one attribute')
    .max(100, 'at most 100 attributes at once')
    .refine((items) => distinctIds(items.map((i) => i.definition_id)), 'names a definition_id more than once'),
});

export const bulkDeleteBody = z.object({
  definition_ids: z
    .array(id, { error: 'is required: an array of definition ids' })
    .min(1, 'needs at least one definition id')
    .max(100, 'at most 100 definition ids at once')
    .refine(distinctIds, 'names a definition id more than once'),
});

export const filterBody = z.object({
  query: z.object(
    {
      type: z
        .string({ error: 'is required: and or or' })
        .transform((v) => v.toLowerCase())
        .pipe(z.enum(['and', 'or'], { error: 'must be and or or' })),
      limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500').default(10),
      page: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000).default(1),
      email: text(254),
      phone: text(32),
      definition_ids: z.array(id).max(100, 'at most 100 definition ids').optional(),
      conditions: z
        .array(
          z.object({
            definition_id: id,
            type: z.enum(FILTER_OPERATORS, { error: `must be one of ${FILTER_OPERATORS.join(', ')}` }),
            value: z.unknown().refine((v) => v !== undefined && v !== null, 'is required'),
          }),
          { error: 'is required: an array of {definition_id, type, value}' },
        )
        .min(1, 'needs at least one condition')
        .max(20, 'at most 20 conditions'),
    },
    { error: 'is required' },
  ),
});
