import { describe, expect, it } from 'vitest';
import { indexEntriesOf, normalizeAttributeElement, type AttributeType } from '../../src/commands/attributeDefinition/attributeTypes.js';
import { coerceDefault, normalizeAttributeValue, type ValueRules } from '../../src/commands/attributeDefinition/attributeValue.js';
import { normalizeDefinition } from '../../src/commands/attributeDefinition/definitionRules.js';
import { brokenRule, normalizeRules } from '../../src/commands/attributeDefinition/validationRules.js';
import { DomainError } from '../../src/shared/errors.js';

const element = (type: AttributeType, raw: unknown) => normalizeAttributeElement(type, raw);
const valid = (type: AttributeType, raw: unknown) => {
  const result = element(type, raw);
  if (!result.ok) throw new Error(`${JSON.stringify(raw)} should be a valid ${type}`);
  return result.value;
};

/** The DomainError a call throws, so a test can read its field and message. */
function failure(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const rules = (type: AttributeType, extra: Partial<ValueRules> = {}): ValueRules => ({
  name: 'Loyalty',
  slug: 'loyalty',
  type,
  is_multi_value: false,
  validations: [],
  ...extra,
});

describe('attribute value types', () => {
  it('accepts each type and refuses values of another type', () => {
    expect(valid('string', 'gold')).toBe('gold');
    expect(element('string', 5).ok).toBe(false);
    expect(valid('number', 4.5)).toBe(4.5);
    expect(element('number', '4.5').ok).toBe(false);
    expect(element('number', Number.NaN).ok).toBe(false);
    expect(valid('boolean', false)).toBe(false);
    expect(element('boolean', 'true').ok).toBe(false);
    expect(valid('json', { a: [1] })).toEqual({ a: [1] });
    expect(element('json', null).ok).toBe(false);
  });

  it('takes calendar dates only', () => {
    expect(valid('date', '2024-02-29')).toBe('2024-02-29');
    expect(element('date', '2023-02-29').ok).toBe(false);
    expect(element('date', '2024-13-01').ok).toBe(false);
    expect(element('date', '2024-02-29T00:00:00Z').ok).toBe(false);
  });

  it('stores date-times in UTC and requires a time zone', () => {
    expect(valid('datetime', '2026-01-31T10:00:00+05:30')).toBe('2026-01-31T04:30:00.000Z');
    expect(element('datetime', '2026-01-31T10:00:00').ok).toBe(false);
    expect(element('datetime', '2026-02-30T10:00:00Z').ok).toBe(false);
  });

  it('lower-cases e-mails, writes phones in E.164 and takes http(s) URLs only', () => {
    expect(valid('email', ' Ann@Example.COM ')).toBe('ann@example.com');
    expect(element('email', 'not-an-email').ok).toBe(false);
    expect(valid('phone', '+91 98765 43210')).toBe('+919876543210');
    expect(element('phone', '9876543210').ok).toBe(false);
    expect(element('phone', '+12').ok).toBe(false);
    expect(valid('url', 'https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(element('url', 'javascript:alert(1)').ok).toBe(false);
    expect(element('url', 'not a url').ok).toBe(false);
  });

  it('refuses oversized text and JSON', () => {
    expect(element('string', 'x'.repeat(4097)).ok).toBe(false);
    expect(element('json', { big: 'x'.repeat(20_000) }).ok).toBe(false);
  });
});

describe('a value against its definition', () => {
  it('names the field, the definition and the expected type', () => {
    const error = failure(() => normalizeAttributeValue(rules('number'), 'ten', 'body.attribute.value'));
    expect(error.kind).toBe('validation');
    expect(error.errors).toEqual([{ field: 'body.attribute.value', message: 'attribute "Loyalty" (loyalty) expects a number' }]);
    expect(error.message).toContain('body.attribute.value');
  });

  it('takes an array of the type for a multi-value definition, naming a bad element', () => {
    const multi = rules('string', { is_multi_value: true });
    expect(normalizeAttributeValue(multi, ['a', 'b'], 'v')).toEqual(['a', 'b']);
    expect(failure(() => normalizeAttributeValue(multi, 'a', 'v')).message).toContain('expects an array');
    expect(failure(() => normalizeAttributeValue(multi, [], 'v')).message).toContain('expects an array');
    expect(failure(() => normalizeAttributeValue(multi, ['a', 3], 'v')).errors[0]?.field).toBe('v[1]');
    expect(failure(() => normalizeAttributeValue(rules('string'), ['a'], 'v')).message).toContain('holds one value');
  });

  it('says which rule a value breaks', () => {
    const age = rules('number', { validations: [{ type: 'min', value: 18 }, { type: 'max', value: 120 }] });
    expect(normalizeAttributeValue(age, 30, 'v')).toBe(30);
    expect(failure(() => normalizeAttributeValue(age, 17, 'v')).message).toBe('v: attribute "Loyalty" (loyalty): must be at least 18 (validation min)');
    expect(failure(() => normalizeAttributeValue(age, 121, 'v')).message).toContain('(validation max)');
    const code = rules('string', {
      validations: [
        { type: 'min_length', value: 2 },
        { type: 'max_length', value: 4 },
        { type: 'regex', value: '^[A-Z]+$' },
      ],
    });
    expect(failure(() => normalizeAttributeValue(code, 'A', 'v')).message).toContain('(validation min_length)');
    expect(failure(() => normalizeAttributeValue(code, 'ABCDE', 'v')).message).toContain('(validation max_length)');
    expect(failure(() => normalizeAttributeValue(code, 'ab', 'v')).message).toContain('(validation regex)');
    expect(normalizeAttributeValue(code, 'ABC', 'v')).toBe('ABC');
    const tier = rules('string', { validations: [{ type: 'enum', value: ['gold', 'silver'] }] });
    expect(failure(() => normalizeAttributeValue(tier, 'bronze', 'v')).message).toContain('must be one of gold, silver (validation enum)');
  });

  it('compares dates and date-times by time for min and max', () => {
    const after = normalizeRules('date', [{ type: 'min', value: '2020-01-01' }]);
    expect(brokenRule('date', after, '2019-12-31')).toContain('at least 2020-01-01');
    expect(brokenRule('date', after, '2020-01-01')).toBeUndefined();
    const before = normalizeRules('datetime', [{ type: 'max', value: '2026-01-01T00:00:00+01:00' }]);
    expect(brokenRule('datetime', before, '2025-12-31T23:30:00.000Z')).toContain('at most');
    expect(brokenRule('datetime', before, '2025-12-31T22:59:00.000Z')).toBeUndefined();
  });

  it('checks each element of a multi-value against the rules', () => {
    const tags = rules('string', { is_multi_value: true, validations: [{ type: 'enum', value: ['a', 'b'] }] });
    expect(failure(() => normalizeAttributeValue(tags, ['a', 'c'], 'v')).errors[0]?.field).toBe('v[1]');
  });
});

describe('validation rules of a definition', () => {
  it('refuses a rule that does not apply to the type', () => {
    expect(failure(() => normalizeRules('number', [{ type: 'regex', value: '^a' }])).errors[0]).toEqual({
      field: 'body.validations[0].type',
      message: 'regex applies only to string, email, phone and url attributes, not to number',
    });
    expect(failure(() => normalizeRules('string', [{ type: 'min', value: 1 }])).message).toContain('min applies only');
    expect(failure(() => normalizeRules('boolean', [{ type: 'enum', value: [true] }])).message).toContain('enum applies only');
  });

  it('refuses unknown, repeated and badly valued rules', () => {
    expect(failure(() => normalizeRules('string', [{ type: 'shorter_than', value: 1 }])).errors[0]?.field).toBe('body.validations[0].type');
    expect(failure(() => normalizeRules('string', [{ type: 'max_length', value: 3 }, { type: 'max_length', value: 4 }])).message).toContain(
      'more than once',
    );
    expect(failure(() => normalizeRules('string', [{ type: 'max_length', value: -1 }])).errors[0]?.field).toBe('body.validations[0].value');
    expect(failure(() => normalizeRules('number', [{ type: 'min', value: 'abc' }])).message).toContain('must be a number');
    expect(failure(() => normalizeRules('date', [{ type: 'min', value: '2020-02-30' }])).message).toContain('must be a date');
    expect(failure(() => normalizeRules('number', [{ type: 'enum', value: [] }])).message).toContain('array of 1 to');
    expect(failure(() => normalizeRules('number', [{ type: 'enum', value: [1, 'two'] }])).errors[0]?.field).toBe('body.validations[0].value[1]');
    expect(failure(() => normalizeRules('string', 'min')).message).toContain('must be an array');
  });

  it('refuses patterns that are invalid or can take exponential time', () => {
    expect(failure(() => normalizeRules('string', [{ type: 'regex', value: '(' }])).message).toContain('not a valid regular expression');
    expect(failure(() => normalizeRules('string', [{ type: 'regex', value: '(a+)+$' }])).message).toContain('nested quantifiers');
    expect(failure(() => normalizeRules('string', [{ type: 'regex', value: '(a)\\1' }])).message).toContain('back-references');
  });

  it('refuses min above max', () => {
    expect(failure(() => normalizeRules('number', [{ type: 'min', value: 5 }, { type: 'max', value: 4 }])).message).toContain('min is greater than max');
    expect(failure(() => normalizeRules('string', [{ type: 'min_length', value: 5 }, { type: 'max_length', value: 4 }])).message).toContain(
      'min_length is greater',
    );
  });

  it('stores rule values in normal form (numbers from strings, enum members normalized)', () => {
    expect(normalizeRules('number', [{ type: 'min', value: '3' }])).toEqual([{ type: 'min', value: 3 }]);
    expect(normalizeRules('email', [{ type: 'enum', value: ['A@B.io'] }])).toEqual([{ type: 'enum', value: ['a@b.io'] }]);
  });
});

describe('default values', () => {
  const definition = {
    name: 'Score',
    slug: 'score',
    description: '',
    type: 'number' as const,
    is_multi_value: false,
    customer_editable: false,
    encrypted: false,
    pinned: false,
    validations: [{ type: 'max', value: 10 }],
    is_locked: false,
    ordering_channels: [],
  };

  it('reads the SDK’s string default as the type it spells', () => {
    expect(coerceDefault('number', false, '42')).toBe(42);
    expect(coerceDefault('boolean', false, 'true')).toBe(true);
    expect(coerceDefault('string', true, '["a","b"]')).toEqual(['a', 'b']);
    expect(coerceDefault('string', true, 'a')).toEqual(['a']);
    expect(coerceDefault('json', false, '{"a":1}')).toEqual({ a: 1 });
    expect(coerceDefault('number', false, 7)).toBe(7);
  });

  it('must itself be a valid value of the definition', () => {
    expect(normalizeDefinition({ ...definition, default_value: '7' }).default_value).toBe(7);
    expect(failure(() => normalizeDefinition({ ...definition, default_value: '11' })).errors[0]).toEqual({
      field: 'body.default_value',
      message: 'attribute "Score" (score): must be at most 10 (validation max)',
    });
    expect(failure(() => normalizeDefinition({ ...definition, default_value: 'many' })).message).toContain('expects a number');
    expect(normalizeDefinition({ ...definition, default_value: '' }).default_value).toBeUndefined();
  });
});

describe('filter index entries', () => {
  it('indexes ordered types by number, booleans as 0/1, text with its lower-cased form, JSON not at all', () => {
    expect(indexEntriesOf('number', false, 5)).toEqual([{ num: 5 }]);
    expect(indexEntriesOf('date', false, '1970-01-02')).toEqual([{ num: 86_400_000 }]);
    expect(indexEntriesOf('boolean', false, true)).toEqual([{ num: 1 }]);
    expect(indexEntriesOf('string', true, ['Gold', 'b'])).toEqual([
      { text: 'Gold', fold: 'gold' },
      { text: 'b', fold: 'b' },
    ]);
    expect(indexEntriesOf('json', false, { a: 1 })).toEqual([]);
  });
});
