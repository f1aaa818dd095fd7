import { invalid } from '../../shared/errors.js';
import { EXPECTED, normalizeAttributeElement, orderKey, ORDERED_TYPES, TEXT_TYPES, type AttributeType } from './attributeTypes.js';

export const VALIDATION_TYPES = ['min', 'max', 'min_length', 'max_length', 'regex', 'enum'] as const;
export type ValidationType = (typeof VALIDATION_TYPES)[number];
export interface ValidationRule {
  type: ValidationType;
  value: unknown;
}

export const MAX_PATTERN_LENGTH = 256;
export const MAX_ENUM_VALUES = 500;

const APPLIES_TO: Record<ValidationType, (type: AttributeType) => boolean> = {
  min: (t) => ORDERED_TYPES.has(t),
  max: (t) => ORDERED_TYPES.has(t),
  min_length: (t) => TEXT_TYPES.has(t),
  max_length: (t) => TEXT_TYPES.has(t),
  regex: (t) => TEXT_TYPES.has(t),
  enum: (t) => t !== 'boolean' && t !== 'json',
};
const APPLIES_TO_TEXT: Record<ValidationType, string> = {
  min: 'number, date and datetime attributes',
  max: 'number, date and datetime attributes',
  min_length: 'string, email, phone and url attributes',
  max_length: 'string, email, phone and url attributes',
  regex: 'string, email, phone and url attributes',
  enum: 'every type but boolean and json',
};

/** Nested quantifiers and back-references are how a short pattern takes exponential time. */
export function isSafePattern(pattern: string): boolean {
  return !/\([^)]*[+*}][^)]*\)\s*[+*{]/.test(pattern) && !/\\[1-9]/.test(pattern);
}

const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern, 'u');
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

function lengthValue(raw: unknown, path: string): number {
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000) throw invalid(path, 'must be a whole number from 0');
  return n;
}

function ruleValue(type: AttributeType, rule: ValidationType, raw: unknown, path: string): unknown {
  switch (rule) {
    case 'min':
    case 'max': {
      const candidate = type === 'number' && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const normalized = normalizeAttributeElement(type, candidate);
      if (!normalized.ok) throw invalid(path, `must be ${EXPECTED[type]}`);
      return normalized.value;
    }
    case 'min_length':
    case 'max_length':
      return lengthValue(raw, path);
    case 'regex': {
      if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_PATTERN_LENGTH) {
        throw invalid(path, `must be a regular expression of 1 to ${MAX_PATTERN_LENGTH} characters`);
      }
      if (!isSafePattern(raw)) throw invalid(path, 'nested quantifiers and back-references are not allowed');
      try {
        compiled(raw);
      } catch {
        throw invalid(path, 'is not a valid regular expression');
      }
      return raw;
    }
    case 'enum': {
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_ENUM_VALUES) {
        throw invalid(path, `must be an array of 1 to ${MAX_ENUM_VALUES} allowed values`);
      }
      return raw.map((item, i) => {
        const normalized = normalizeAttributeElement(type, item);
        if (!normalized.ok) throw invalid(`${path}[${i}]`, `must be ${EXPECTED[type]}`);
        return normalized.value;
      });
    }
    default: {
      const unknownRule: never = rule;
      return unknownRule;
    }
  }
}

/**
 * The rules of a definition in stored form, or a 400 naming the rule: each rule must apply to
 * the type, appear once, and have a value of the right kind; min must not exceed max.
 */
export function normalizeRules(type: AttributeType, raw: unknown, path = 'body.validations'): ValidationRule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid(path, 'must be an array of {type, value}');
  const seen = new Set<string>();
  const rules = raw.map((entry: unknown, i): ValidationRule => {
    const at = `${path}[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalid(at, 'must be an object {type, value}');
    const { type: ruleType, value } = entry as { type?: unknown; value?: unknown };
    if (typeof ruleType !== 'string' || !(VALIDATION_TYPES as readonly string[]).includes(ruleType)) {
      throw invalid(`${at}.type`, `must be one of ${VALIDATION_TYPES.join(', ')}`);
    }
    const known = ruleType as ValidationType;
    if (!APPLIES_TO[known](type)) throw invalid(`${at}.type`, `${known} applies only to ${APPLIES_TO_TEXT[known]}, not to ${type}`);
    if (seen.has(known)) throw invalid(`${at}.type`, `${known} appears more than once`);
    seen.add(known);
    return { type: known, value: ruleValue(type, known, value, `${at}.value`) };
  });
  const find = (t: ValidationType) => rules.find((r) => r.type === t)?.value;
  const [min, max] = [find('min'), find('max')];
  if (min !== undefined && max !== undefined && (orderKey(type, min) ?? 0) > (orderKey(type, max) ?? 0)) {
    throw invalid(path, 'min is greater than max');
  }
  const [minLength, maxLength] = [find('min_length'), find('max_length')];
  if (typeof minLength === 'number' && typeof maxLength === 'number' && minLength > maxLength) {
    throw invalid(path, 'min_length is greater than max_length');
  }
  return rules;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The first rule a (normalized) element breaks, as a message naming the rule; undefined when none. */
export function brokenRule(type: AttributeType, rules: ValidationRule[], element: unknown): string | undefined {
  for (const rule of rules) {
    switch (rule.type) {
      case 'min':
        if ((orderKey(type, element) ?? 0) < (orderKey(type, rule.value) ?? 0)) return `must be at least ${show(rule.value)} (validation min)`;
        break;
      case 'max':
        if ((orderKey(type, element) ?? 0) > (orderKey(type, rule.value) ?? 0)) return `must be at most ${show(rule.value)} (validation max)`;
        break;
      case 'min_length':
        if (typeof element === 'string' && element.length < Number(rule.value)) {
          return `must be at least ${show(rule.value)} characters long (validation min_length)`;
        }
        break;
      case 'max_length':
        if (typeof element === 'string' && element.length > Number(rule.value)) {
          return `must be at most ${show(rule.value)} characters long (validation max_length)`;
        }
        break;
      case 'regex':
        if (typeof element === 'string' && !compiled(String(rule.value)).test(element)) {
          return `must match the pattern /${String(rule.value)}/ (validation regex)`;
        }
        break;
      case 'enum': {
        const allowed = Array.isArray(rule.value) ? rule.value : [];
        if (!allowed.some((a) => a === element)) return `must be one of ${allowed.map(show).join(', ')} (validation enum)`;
        break;
      }
    }
  }
  return undefined;
}
