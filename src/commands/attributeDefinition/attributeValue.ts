import { invalid } from '../../shared/errors.js';
import { EXPECTED, MAX_ELEMENTS, normalizeAttributeElement, type AttributeType } from './attributeTypes.js';
import { brokenRule, type ValidationRule } from './validationRules.js';

/** What checking a value needs to know about its definition. */
export interface ValueRules {
  name: string;
  slug: string;
  type: AttributeType;
  is_multi_value: boolean;
  validations: ValidationRule[];
}

const label = (rules: ValueRules) => `attribute "${rules.name}" (${rules.slug})`;

function normalizeOne(rules: ValueRules, raw: unknown, field: string): unknown {
  const normalized = normalizeAttributeElement(rules.type, raw);
  if (!normalized.ok) throw invalid(field, `${label(rules)} expects ${EXPECTED[rules.type]}`);
  const broken = brokenRule(rules.type, rules.validations, normalized.value);
  if (broken !== undefined) throw invalid(field, `${label(rules)}: ${broken}`);
  return normalized.value;
}

/**
 * A value as the definition stores it, or a 400 naming the field, the definition and either the
 * expected type or the rule it breaks. A multi-value definition takes an array of its type.
 */
export function normalizeAttributeValue(rules: ValueRules, raw: unknown, field: string): unknown {
  if (!rules.is_multi_value) {
    if (Array.isArray(raw) && rules.type !== 'json') {
      throw invalid(field, `${label(rules)} holds one value: expects ${EXPECTED[rules.type]}, not an array`);
    }
    return normalizeOne(rules, raw, field);
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_ELEMENTS) {
    throw invalid(field, `${label(rules)} holds several values: expects an array of 1 to ${MAX_ELEMENTS} items, each ${EXPECTED[rules.type]}`);
  }
  return raw.map((element, i) => normalizeOne(rules, element, `${field}[${i}]`));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function coerceOne(type: AttributeType, raw: string): unknown {
  const text = raw.trim();
  if (type === 'json') return parseJson(text) ?? raw;
  if (type === 'number') return text === '' || Number.isNaN(Number(text)) ? raw : Number(text);
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : raw;
  return raw;
}

/**
 * `default_value` is a string in the SDK's model, so "42", "true" or '["a","b"]' are read as the
 * type they spell; a value already of the type is taken as it is.
 */
export function coerceDefault(type: AttributeType, multi: boolean, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (!multi) return coerceOne(type, raw);
  const parsed = parseJson(raw.trim());
  return Array.isArray(parsed) ? parsed : [coerceOne(type, raw)];
}
