import type { GroupCondition } from '../../events/groupEvents.js';
import { parseAttributeConditions, type AttributeCondition, type FilterOperator, type RawCondition } from '../../projections/attributes/attributeFilter.js';
import type { AttributeDefinitionView } from '../../projections/attributes/attributeViews.js';
import { DomainError } from '../../shared/errors.js';

const LIST_OPERATORS: ReadonlySet<string> = new Set(['in', 'nin', 'btw']);

/** The contract carries every operand as text: lists are comma-separated, numbers and booleans read back. */
function operand(definition: AttributeDefinitionView | undefined, text: string): unknown {
  if (definition?.type === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (definition?.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function toRaw(condition: Pick<GroupCondition, 'user_attribute_definition_id' | 'type' | 'value'>, definition: AttributeDefinitionView | undefined): RawCondition {
  const { user_attribute_definition_id: definition_id, type, value } = condition;
  const parsed = LIST_OPERATORS.has(type) ? value.split(',').map((v) => operand(definition, v.trim())) : operand(definition, value);
  return { definition_id, type: type as FilterOperator, value: parsed };
}

/**
 * A group's conditions checked against their definitions, exactly as the attribute filter checks
 * its own (a 400 names the condition), and compiled into the filter's query form.
 */
export function compileGroupConditions(
  conditions: Array<Pick<GroupCondition, 'user_attribute_definition_id' | 'type' | 'value'>>,
  definitions: ReadonlyMap<string, AttributeDefinitionView>,
  path = 'body.conditions',
): AttributeCondition[] {
  const raw = conditions.map((c) => toRaw(c, definitions.get(c.user_attribute_definition_id)));
  try {
    return parseAttributeConditions(raw, definitions, path);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // The filter names its own field; a group's condition calls it user_attribute_definition_id.
    const rename = (text: string) => text.replace(/\.definition_id\b/g, '.user_attribute_definition_id');
    throw new DomainError(error.kind, error.code, rename(error.message), error.errors.map((e) => ({ ...e, field: rename(e.field) })));
  }
}
