import type { Filter } from 'mongodb';
import type { CustomerField, CustomerFilter } from '../customers/customerFilter.js';
import type { CustomerView } from '../customers/customerView.js';

/** A customer as stored: the view, keyed by application and user, plus its normalized lookup keys. */
export interface CustomerDoc extends CustomerView {
  _id: string;
  /** `<kind>:<value>` for every key `searchKeysOf` gives: one multikey index answers every identifier lookup. */
  search_keys: string[];
}

export type CustomerDocFilter = Filter<CustomerDoc>;

type IdentifierField = 'email' | 'phone' | 'username';

/** The key kinds an identifier matches; a phone is found by its national number or with its country code. */
const SEARCH_KINDS: Record<IdentifierField, string[]> = {
  email: ['email'],
  phone: ['phone', 'phone_national'],
  username: ['username'],
};

/** Regexes run on the stored values themselves, not on the prefixed keys, so that `^` means what the client meant. */
const REGEX_PATHS: Record<IdentifierField, string> = {
  email: 'emails.email',
  phone: 'phone_numbers.phone',
  username: 'username',
};

const COLUMNS: Record<Exclude<CustomerField, IdentifierField>, string> = {
  user_id: 'user_id',
  first_name: 'first_name',
  last_name: 'last_name',
  gender: 'gender',
  external_id: 'external_id',
  rr_id: 'rr_id',
  active: 'active',
  archive: 'archive',
};

const isIdentifier = (field: CustomerField): field is IdentifierField => field in SEARCH_KINDS;

export const searchKey = (kind: string, value: string): string => `${kind}:${value}`;

export function namesField(filter: CustomerFilter, field: CustomerField): boolean {
  if (filter.op === 'and' || filter.op === 'or') return filter.filters.some((f) => namesField(f, field));
  return filter.field === field;
}

function regex(pattern: string, caseInsensitive: boolean): { $regex: string; $options?: string } {
  return caseInsensitive ? { $regex: pattern, $options: 'i' } : { $regex: pattern };
}

function translate(filter: CustomerFilter): CustomerDocFilter {
  if (filter.op === 'and') return { $and: filter.filters.map(translate) };
  if (filter.op === 'or') return { $or: filter.filters.map(translate) };
  const field = filter.field;
  if (isIdentifier(field)) {
    const keysOf = (value: string | boolean) => SEARCH_KINDS[field].map((kind) => searchKey(kind, String(value)));
    if (filter.op === 'regex') return { [REGEX_PATHS[field]]: regex(filter.pattern, filter.caseInsensitive) };
    const keys = filter.op === 'eq' ? keysOf(filter.value) : filter.values.flatMap(keysOf);
    return { search_keys: keys.length === 1 ? keys[0] : { $in: keys } };
  }
  const column = COLUMNS[field];
  if (filter.op === 'eq') return { [column]: filter.value };
  if (filter.op === 'in') return { [column]: { $in: filter.values } };
  return { [column]: regex(filter.pattern, filter.caseInsensitive) };
}

/**
 * The MongoDB filter for a parsed customer filter, scoped to one application. The tree was
 * validated against a whitelist when parsed, so only known fields and operators reach here.
 */
export function customerFilterToMongo(filter: CustomerFilter | undefined, applicationId: string): CustomerDocFilter {
  return filter === undefined ? { application_id: applicationId } : { application_id: applicationId, ...translate(filter) };
}
