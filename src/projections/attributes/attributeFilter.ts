import { EXPECTED, normalizeAttributeElement, orderKey, ORDERED_TYPES } from '../../commands/attributeDefinition/attributeTypes.js';
import { invalid } from '../../shared/errors.js';
import type { Page } from '../readStore.js';
import type { AttributeDefinitionView } from './attributeViews.js';

/** The operators of the Fynd filter (`UserAttributeFilterRequestConditions.type`). */
export const FILTER_OPERATORS = ['eq', 'ne', 'gt', 'lt', 'gte', 'lte', 'cnt', 'nct', 'is', 'nis', 'sw', 'ew', 'btw', 'in', 'nin'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Bound = { value: number; inclusive: boolean };

/**
 * What one condition asks of a user's values of one definition. `num` compares the number (dates
 * as epoch milliseconds, booleans as 0/1), `text` the exact text; contains / starts / ends compare
 * lower-cased text.
 */
export type ConditionMatch =
  | { op: 'eq'; column: 'num' | 'text'; value: number | string }
  | { op: 'in'; column: 'num' | 'text'; values: Array<number | string> }
  | { op: 'range'; min?: Bound; max?: Bound }
  | { op: 'contains' | 'starts' | 'ends'; text: string };

/**
 * `negate`: the user has a value for the definition and no element of it matches. A user
 * without a value matches no condition, negated or not.
 */
export interface AttributeCondition {
  definition_id: string;
  multi: boolean;
  negate: boolean;
  match: ConditionMatch;
}

export interface AttributeUserQuery {
  application_id: string;
  combine: 'and' | 'or';
  conditions: AttributeCondition[];
  /** Narrows the result to these users (the query's email or phone); empty matches nobody. */
  user_ids?: string[];
  page: Page;
}

export interface RawCondition {
  definition_id: string;
  type: FilterOperator;
  value: unknown;
}

export const MAX_IN_VALUES = 100;
export const MAX_TEXT_OPERAND = 256;

const TEXT_OPS: ReadonlySet<FilterOperator> = new Set(['cnt', 'nct', 'sw', 'ew']);
const RANGE_OPS: ReadonlySet<FilterOperator> = new Set(['gt', 'gte', 'lt', 'lte', 'btw']);

function parseOne(raw: RawCondition, definition: AttributeDefinitionView, path: string): AttributeCondition {
  const { type, is_multi_value: multi, definition_id, slug } = definition;
  const base = { definition_id, multi };
  const valuePath = `${path}.value`;
  if (definition.encrypted) {
    throw invalid(`${path}.definition_id`, `attribute "${slug}" is encrypted: its values cannot be filtered`);
  }
  if (type === 'json') throw invalid(`${path}.definition_id`, `attribute "${slug}" holds JSON: its values cannot be filtered`);
  const numeric = ORDERED_TYPES.has(type) || type === 'boolean';
  const operand = (value: unknown, at: string): number | string => {
    const normalized = normalizeAttributeElement(type, value);
    if (!normalized.ok) throw invalid(at, `attribute "${slug}" expects ${EXPECTED[type]}`);
    if (type === 'boolean') return normalized.value === true ? 1 : 0;
    return numeric ? (orderKey(type, normalized.value) ?? 0) : String(normalized.value);
  };
  const op = raw.type;
  if (TEXT_OPS.has(op)) {
    if (numeric) throw invalid(`${path}.type`, `${op} applies to text attributes; "${slug}" is ${type}`);
    if (typeof raw.value !== 'string' || raw.value.length === 0 || raw.value.length > MAX_TEXT_OPERAND) {
      throw invalid(valuePath, `must be text of 1 to ${MAX_TEXT_OPERAND} characters`);
    }
    const text = raw.value.toLowerCase();
    const kind = op === 'sw' ? 'starts' : op === 'ew' ? 'ends' : 'contains';
    return { ...base, negate: op === 'nct', match: { op: kind, text } };
  }
  if (RANGE_OPS.has(op)) {
    if (!ORDERED_TYPES.has(type)) throw invalid(`${path}.type`, `${op} applies to number, date and datetime attributes; "${slug}" is ${type}`);
    if (op === 'btw') {
      if (!Array.isArray(raw.value) || raw.value.length !== 2) throw invalid(valuePath, 'must be an array of two values [from, to]');
      const [from, to] = [operand(raw.value[0], `${valuePath}[0]`), operand(raw.value[1], `${valuePath}[1]`)] as [number, number];
      if (from > to) throw invalid(valuePath, 'from is after to');
      return { ...base, negate: false, match: { op: 'range', min: { value: from, inclusive: true }, max: { value: to, inclusive: true } } };
    }
    const bound = { value: operand(raw.value, valuePath) as number, inclusive: op === 'gte' || op === 'lte' };
    return { ...base, negate: false, match: op === 'gt' || op === 'gte' ? { op: 'range', min: bound } : { op: 'range', max: bound } };
  }
  const column = numeric ? 'num' : 'text';
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(raw.value) || raw.value.length === 0 || raw.value.length > MAX_IN_VALUES) {
      throw invalid(valuePath, `must be an array of 1 to ${MAX_IN_VALUES} values`);
    }
    const values = raw.value.map((v, i) => operand(v, `${valuePath}[${i}]`));
    return { ...base, negate: op === 'nin', match: { op: 'in', column, values } };
  }
  // eq, ne, and their aliases is / nis
  return { ...base, negate: op === 'ne' || op === 'nis', match: { op: 'eq', column, value: operand(raw.value, valuePath) } };
}

/**
 * Conditions checked against their definitions: operators that fit the type, operands of the
 * type (normalized as values are stored). A 400 names the condition otherwise.
 */
export function parseAttributeConditions(
  conditions: RawCondition[],
  definitions: ReadonlyMap<string, AttributeDefinitionView>,
  path = 'body.query.conditions',
): AttributeCondition[] {
  return conditions.map((raw, i) => {
    const at = `${path}[${i}]`;
    const definition = definitions.get(raw.definition_id);
    if (definition === undefined || definition.deleted) throw invalid(`${at}.definition_id`, 'no such attribute definition');
    return parseOne(raw, definition, at);
  });
}

export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
