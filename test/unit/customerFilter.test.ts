import { describe, expect, it } from 'vitest';
import { parseCustomerQuery } from '../../src/projections/customers/customerFilter.js';
import type { DomainError } from '../../src/shared/errors.js';

const fieldOf = (q: string) => {
  try {
    parseCustomerQuery(q);
  } catch (error) {
    return (error as DomainError).errors[0]?.field;
  }
  return undefined;
};

describe('customer query parsing', () => {
  it('turns a plain email into an identifier lookup, normalized', () => {
    expect(parseCustomerQuery(' Ann@Example.COM ')).toEqual({
      op: 'or',
      filters: [
        { op: 'eq', field: 'email', value: 'ann@example.com' },
        { op: 'eq', field: 'username', value: 'ann@example.com' },
      ],
    });
  });

  it('turns a plain phone number into a phone lookup', () => {
    expect(parseCustomerQuery('+91 98765-43210')).toMatchObject({
      op: 'or',
      filters: [{ op: 'eq', field: 'phone', value: '919876543210' }, { op: 'eq', field: 'username' }],
    });
  });

  it("parses the seed's example into a typed tree", () => {
    expect(parseCustomerQuery('{"$or":[{"emails.email":"A@b.com"},{"phoneNumbers.phone":"98765"}]}')).toEqual({
      op: 'or',
      filters: [
        { op: 'eq', field: 'email', value: 'a@b.com' },
        { op: 'eq', field: 'phone', value: '98765' },
      ],
    });
  });

  it('names the offending part of a refused filter', () => {
    expect(fieldOf('{"$where":"1"}')).toBe('q.$where');
    expect(fieldOf('{"$or":[{"emails.email":{"$ne":"x"}}]}')).toBe('q.$or[0].emails.email.$ne');
    expect(fieldOf('{"password_hash":"x"}')).toBe('q.password_hash');
    expect(fieldOf('{"active":"maybe"}')).toBe('q.active');
    expect(fieldOf('{"$or":[]}')).toBe('q.$or');
    expect(fieldOf('{"a":')).toBe('q');
    expect(fieldOf(JSON.stringify({ $and: [{ $and: [{ $and: [{ $and: [{ $and: [{ first_name: 'x' }] }] }] }] }] }))).toMatch(/^q/);
  });
});
