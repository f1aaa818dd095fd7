import { describe, expect, it } from 'vitest';
import { parseAttributeConditions, type AttributeUserQuery, type RawCondition } from '../../src/projections/attributes/attributeFilter.js';
import type { AttributeDefinitionView } from '../../src/projections/attributes/attributeViews.js';
import { attributeQueryToMongo } from '../../src/projections/mongo/mongoAttributeFilter.js';
import { attributeFilterSql } from '../../src/projections/sqlite/sqliteAttributeFilter.js';
import { DomainError } from '../../src/shared/errors.js';

const definition = (id: string, type: AttributeDefinitionView['type'], extra: Partial<AttributeDefinitionView> = {}): AttributeDefinitionView => ({
  definition_id: id,
  application_id: 'app',
  company_id: '559',
  name: id,
  slug: id,
  description: '',
  type,
  is_multi_value: false,
  customer_editable: false,
  encrypted: false,
  pinned: false,
  validations: [],
  is_locked: false,
  ordering_channels: [],
  created_at: '',
  modified_at: '',
  created_by: '',
  updated_by: '',
  deleted: false,
  seq: 1,
  revision: 0,
  ...extra,
});
const definitions = new Map(
  [
    definition('tier', 'string'),
    definition('age', 'number'),
    definition('vip', 'boolean'),
    definition('born', 'date'),
    definition('mail', 'email'),
    definition('tags', 'string', { is_multi_value: true }),
    definition('secret', 'string', { encrypted: true }),
    definition('blob', 'json'),
  ].map((d) => [d.definition_id, d]),
);
const parse = (...conditions: RawCondition[]) => parseAttributeConditions(conditions, definitions);
const refusal = (...conditions: RawCondition[]) => {
  try {
    parse(...conditions);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the conditions to be refused');
};

describe('attribute filter conditions', () => {
  it('turns each operator into a typed match, operands normalized as values are stored', () => {
    expect(parse({ definition_id: 'tier', type: 'eq', value: 'gold' })).toEqual([
      { definition_id: 'tier', multi: false, negate: false, match: { op: 'eq', column: 'text', value: 'gold' } },
    ]);
    expect(parse({ definition_id: 'mail', type: 'is', value: 'A@B.io' })[0]?.match).toEqual({ op: 'eq', column: 'text', value: 'a@b.io' });
    expect(parse({ definition_id: 'vip', type: 'nis', value: true })[0]).toMatchObject({ negate: true, match: { op: 'eq', column: 'num', value: 1 } });
    expect(parse({ definition_id: 'age', type: 'gte', value: 18 })[0]?.match).toEqual({ op: 'range', min: { value: 18, inclusive: true } });
    expect(parse({ definition_id: 'age', type: 'lt', value: 65 })[0]?.match).toEqual({ op: 'range', max: { value: 65, inclusive: false } });
    expect(parse({ definition_id: 'born', type: 'btw', value: ['1970-01-01', '1970-01-02'] })[0]?.match).toEqual({
      op: 'range',
      min: { value: 0, inclusive: true },
      max: { value: 86_400_000, inclusive: true },
    });
    expect(parse({ definition_id: 'tier', type: 'nin', value: ['a', 'b'] })[0]).toMatchObject({ negate: true, match: { op: 'in', values: ['a', 'b'] } });
    expect(parse({ definition_id: 'tier', type: 'cnt', value: 'OL' })[0]?.match).toEqual({ op: 'contains', text: 'ol' });
    expect(parse({ definition_id: 'tier', type: 'nct', value: 'x' })[0]).toMatchObject({ negate: true, match: { op: 'contains' } });
    expect(parse({ definition_id: 'tier', type: 'sw', value: 'G' })[0]?.match).toEqual({ op: 'starts', text: 'g' });
    expect(parse({ definition_id: 'tier', type: 'ew', value: 'd' })[0]?.match).toEqual({ op: 'ends', text: 'd' });
    expect(parse({ definition_id: 'tags', type: 'eq', value: 'x' })[0]?.multi).toBe(true);
  });

  it('refuses operators that do not fit the type, and operands of the wrong type', () => {
    expect(refusal({ definition_id: 'age', type: 'cnt', value: '1' }).errors[0]?.field).toBe('body.query.conditions[0].type');
    expect(refusal({ definition_id: 'tier', type: 'gt', value: 'a' }).message).toContain('applies to number, date and datetime');
    expect(refusal({ definition_id: 'age', type: 'eq', value: 'ten' }).errors[0]).toEqual({
      field: 'body.query.conditions[0].value',
      message: 'attribute "age" expects a number',
    });
    expect(refusal({ definition_id: 'age', type: 'btw', value: [5] }).message).toContain('two values');
    expect(refusal({ definition_id: 'age', type: 'btw', value: [5, 1] }).message).toContain('from is after to');
    expect(refusal({ definition_id: 'tier', type: 'in', value: [] }).message).toContain('array of 1 to 100');
    expect(refusal({ definition_id: 'tier', type: 'eq', value: 'a' }, { definition_id: 'nope', type: 'eq', value: 'a' }).errors[0]?.field).toBe(
      'body.query.conditions[1].definition_id',
    );
  });

  it('refuses encrypted and JSON attributes with a clear reason', () => {
    expect(refusal({ definition_id: 'secret', type: 'eq', value: 'x' }).message).toContain('is encrypted: its values cannot be filtered');
    expect(refusal({ definition_id: 'blob', type: 'eq', value: 'x' }).message).toContain('holds JSON');
  });
});

const query = (combine: 'and' | 'or', ...conditions: RawCondition[]): AttributeUserQuery => ({
  application_id: 'app',
  combine,
  conditions: parse(...conditions),
  page: { page_no: 1, page_size: 10 },
});

describe('attribute filter → MongoDB filter', () => {
  it('matches one element of the user’s filter document per condition', () => {
    expect(attributeQueryToMongo(query('and', { definition_id: 'tier', type: 'eq', value: 'gold' }))).toEqual({
      application_id: 'app',
      $and: [{ attrs: { $elemMatch: { d: 'tier', t: 'gold' } } }],
    });
    expect(attributeQueryToMongo(query('and', { definition_id: 'age', type: 'btw', value: [1, 2] }))).toEqual({
      application_id: 'app',
      $and: [{ attrs: { $elemMatch: { d: 'age', n: { $gte: 1, $lte: 2 } } } }],
    });
  });

  it('combines with $or, negates as "has the definition and no element matches", escapes text', () => {
    expect(
      attributeQueryToMongo(query('or', { definition_id: 'tier', type: 'ne', value: 'gold' }, { definition_id: 'tier', type: 'sw', value: 'a.b' })),
    ).toEqual({
      application_id: 'app',
      $or: [
        { $and: [{ 'attrs.d': 'tier' }, { attrs: { $not: { $elemMatch: { d: 'tier', t: 'gold' } } } }] },
        { attrs: { $elemMatch: { d: 'tier', f: { $regex: '^a\\.b' } } } },
      ],
    });
  });

  it('narrows to the users named by email or phone', () => {
    const q = { ...query('and', { definition_id: 'age', type: 'in', value: [1, 2] }), user_ids: ['u1'] };
    expect(attributeQueryToMongo(q)).toEqual({
      application_id: 'app',
      $and: [{ attrs: { $elemMatch: { d: 'age', n: { $in: [1, 2] } } } }],
      user_id: { $in: ['u1'] },
    });
  });
});

describe('attribute filter → SQL', () => {
  it('is parameterized: operands never enter the SQL text', () => {
    const { sql, params } = attributeFilterSql(query('and', { definition_id: 'tier', type: 'cnt', value: "x'; DROP TABLE t; --" }), 'v');
    expect(sql).not.toContain('DROP');
    expect(params).toEqual(['app', 'tier', "%x'; drop table t; --%"]);
  });

  it('escapes LIKE wildcards in text operands', () => {
    expect(attributeFilterSql(query('and', { definition_id: 'tier', type: 'sw', value: '50%_' }), 'v').params).toContain('50\\%\\_%');
  });

  it('uses set operations for AND / OR and a difference only for negated multi-values', () => {
    const and = attributeFilterSql(query('and', { definition_id: 'tier', type: 'eq', value: 'a' }, { definition_id: 'age', type: 'gt', value: 1 }), 'v');
    expect(and.sql).toContain(' INTERSECT ');
    const or = attributeFilterSql(query('or', { definition_id: 'tier', type: 'eq', value: 'a' }, { definition_id: 'age', type: 'gt', value: 1 }), 'v');
    expect(or.sql).toContain(' UNION ');
    expect(attributeFilterSql(query('and', { definition_id: 'tier', type: 'ne', value: 'a' }), 'v').sql).not.toContain('EXCEPT');
    expect(attributeFilterSql(query('and', { definition_id: 'tags', type: 'ne', value: 'a' }), 'v').sql).toContain('EXCEPT');
  });
});
