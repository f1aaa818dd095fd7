import { describe, expect, it } from 'vitest';
import { parseCustomerQuery, type CustomerFilter } from '../../src/projections/customers/customerFilter.js';
import { customerFilterToMongo, namesField } from '../../src/projections/mongo/mongoCustomerFilter.js';

const APP = 'app-1';
const toMongo = (filter: CustomerFilter) => customerFilterToMongo(filter, APP);

describe('customer filter → MongoDB filter', () => {
  it('scopes every query to the application, with or without a filter', () => {
    expect(customerFilterToMongo(undefined, APP)).toEqual({ application_id: APP });
    expect(toMongo({ op: 'eq', field: 'user_id', value: 'u1' })).toEqual({ application_id: APP, user_id: 'u1' });
  });

  it('finds an email or a username by its exact search key', () => {
    expect(toMongo({ op: 'eq', field: 'email', value: 'ann@example.com' })).toEqual({
      application_id: APP,
      search_keys: 'email:ann@example.com',
    });
    expect(toMongo({ op: 'eq', field: 'username', value: 'ann' })).toEqual({ application_id: APP, search_keys: 'username:ann' });
  });

  it('finds a phone by its national number or with its country code, as the embedded store does', () => {
    expect(toMongo({ op: 'eq', field: 'phone', value: '9000000001' })).toEqual({
      application_id: APP,
      search_keys: { $in: ['phone:9000000001', 'phone_national:9000000001'] },
    });
  });

  it('turns $in on identifiers into one $in over every matching key', () => {
    expect(toMongo({ op: 'in', field: 'phone', values: ['1', '2'] })).toEqual({
      application_id: APP,
      search_keys: { $in: ['phone:1', 'phone_national:1', 'phone:2', 'phone_national:2'] },
    });
    expect(toMongo({ op: 'in', field: 'email', values: ['a@x.io', 'b@x.io'] })).toEqual({
      application_id: APP,
      search_keys: { $in: ['email:a@x.io', 'email:b@x.io'] },
    });
  });

  it('runs identifier regexes on the stored values, case-insensitive only when asked', () => {
    expect(toMongo({ op: 'regex', field: 'email', pattern: '^ann@', caseInsensitive: true })).toEqual({
      application_id: APP,
      'emails.email': { $regex: '^ann@', $options: 'i' },
    });
    expect(toMongo({ op: 'regex', field: 'phone', pattern: '^900', caseInsensitive: false })).toEqual({
      application_id: APP,
      'phone_numbers.phone': { $regex: '^900' },
    });
    expect(toMongo({ op: 'regex', field: 'username', pattern: 'bo', caseInsensitive: true })).toEqual({
      application_id: APP,
      username: { $regex: 'bo', $options: 'i' },
    });
  });

  it('maps columns to document fields, booleans kept as booleans', () => {
    expect(toMongo({ op: 'eq', field: 'archive', value: true })).toEqual({ application_id: APP, archive: true });
    expect(toMongo({ op: 'in', field: 'gender', values: ['female', 'male'] })).toEqual({
      application_id: APP,
      gender: { $in: ['female', 'male'] },
    });
    expect(toMongo({ op: 'regex', field: 'first_name', pattern: '^An', caseInsensitive: false })).toEqual({
      application_id: APP,
      first_name: { $regex: '^An' },
    });
    for (const field of ['user_id', 'first_name', 'last_name', 'gender', 'external_id', 'rr_id', 'active'] as const) {
      expect(toMongo({ op: 'eq', field, value: 'v' })).toEqual({ application_id: APP, [field]: 'v' });
    }
  });

  it('translates nested and/or trees as parsed from the q JSON', () => {
    const filter = parseCustomerQuery('{"$or":[{"emails.email":"Bo@Example.com"},{"$and":[{"first_name":"Ann"},{"active":"false"}]}]}');
    expect(toMongo(filter)).toEqual({
      application_id: APP,
      $or: [{ search_keys: 'email:bo@example.com' }, { $and: [{ first_name: 'Ann' }, { active: false }] }],
    });
  });

  it('translates a plain search into an $or over the identifiers it could be', () => {
    expect(toMongo(parseCustomerQuery('+91 90000-00001'))).toEqual({
      application_id: APP,
      $or: [
        { search_keys: { $in: ['phone:919000000001', 'phone_national:919000000001'] } },
        { search_keys: 'username:+91 90000-00001' },
      ],
    });
  });

  it('says whether a filter names a field anywhere in its tree', () => {
    const filter = parseCustomerQuery('{"$or":[{"first_name":"Ann"},{"$and":[{"archive":true}]}]}');
    expect(namesField(filter, 'archive')).toBe(true);
    expect(namesField(filter, 'active')).toBe(false);
  });
});
