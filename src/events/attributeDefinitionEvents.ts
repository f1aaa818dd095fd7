import { z } from 'zod';
import { ATTRIBUTE_TYPES } from '../commands/attributeDefinition/attributeTypes.js';
import { VALIDATION_TYPES } from '../commands/attributeDefinition/validationRules.js';

const toggle = z.object({ enabled: z.boolean().optional(), type: z.string().optional() });

/** A definition as stored: values already normalized and checked against its type. */
export const attributeDefinitionFields = z.object({
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  type: z.enum(ATTRIBUTE_TYPES),
  is_multi_value: z.boolean(),
  customer_editable: z.boolean(),
  encrypted: z.boolean(),
  pinned: z.boolean(),
  pin_order: z.number().int().optional(),
  default_value: z.unknown().optional(),
  validations: z.array(z.object({ type: z.enum(VALIDATION_TYPES), value: z.unknown() })),
  is_locked: z.boolean(),
  icon: z.string().optional(),
  ordering_channels: z.array(z.string()),
  masking: toggle.optional(),
  registration: toggle.optional(),
});
export type AttributeDefinitionFields = z.infer<typeof attributeDefinitionFields>;

const scope = { definition_id: z.string(), application_id: z.string() };

export const attributeDefinitionEventSchemas = {
  AttributeDefinitionCreated: z.object({ ...scope, company_id: z.string(), definition: attributeDefinitionFields }),
  /** The whole definition after the change, and which fields changed. */
  AttributeDefinitionUpdated: z.object({ ...scope, definition: attributeDefinitionFields, changed: z.array(z.string()) }),
  /** Its values are deleted by the same command, each with an event of its own. */
  AttributeDefinitionDeleted: z.object({ ...scope, slug: z.string(), values_deleted: z.number().int() }),
} as const;

type Schemas = typeof attributeDefinitionEventSchemas;
export type AttributeDefinitionEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const ATTRIBUTE_DEFINITION_STREAM_PREFIX = 'attributeDefinition-';
export const attributeDefinitionStream = (definitionId: string): string => `${ATTRIBUTE_DEFINITION_STREAM_PREFIX}${definitionId}`;
