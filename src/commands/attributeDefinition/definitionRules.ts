import type { AttributeDefinitionFields } from '../../events/attributeDefinitionEvents.js';
import { coerceDefault, normalizeAttributeValue } from './attributeValue.js';
import { normalizeRules } from './validationRules.js';

/** A definition as a command brings it: its rules not yet checked against its type. */
export type DefinitionInput = Omit<AttributeDefinitionFields, 'validations'> & { validations?: unknown };

/**
 * A definition whose parts agree: its rules apply to its type, and its default value is itself a
 * valid value. Applied to the whole definition on create and after merging an update.
 */
export function normalizeDefinition(definition: DefinitionInput): AttributeDefinitionFields {
  const validations = normalizeRules(definition.type, definition.validations);
  const { default_value: rawDefault, ...rest } = definition;
  const normalized: AttributeDefinitionFields = { ...rest, validations };
  if (rawDefault === undefined || rawDefault === null || rawDefault === '') return normalized;
  const rules = { ...normalized, validations };
  const value = normalizeAttributeValue(rules, coerceDefault(definition.type, definition.is_multi_value, rawDefault), 'body.default_value');
  return { ...normalized, default_value: value };
}
