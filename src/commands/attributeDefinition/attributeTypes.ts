import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

/** The value types a definition may declare. `is_multi_value` stores an array of that type. */
export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'datetime', 'email', 'phone', 'url', 'json'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** Types whose values are text, so length and pattern rules apply to them. */
export const TEXT_TYPES: ReadonlySet<AttributeType> = new Set(['string', 'email', 'phone', 'url']);
/** Types whose values are ordered, so min and max apply to them. */
export const ORDERED_TYPES: ReadonlySet<AttributeType> = new Set(['number', 'date', 'datetime']);

export const MAX_TEXT_LENGTH = 4096;
export const MAX_JSON_BYTES = 16_384;
export const MAX_ELEMENTS = 100;

export const EXPECTED: Record<AttributeType, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  date: 'a date (YYYY-MM-DD)',
  datetime: 'a date-time with a time zone (ISO 8601, e.g. 2026-01-31T10:00:00Z)',
  email: 'an email address',
  phone: 'a phone number in international form (+<country code><number>)',
  url: 'an http or https URL',
  json: 'a JSON value (not null)',
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const emailSchema = z.email();

function validDate(value: string): boolean {
  const match = DATE.exec(value);
  if (match === null) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const NOT_VALID = Symbol('not valid');
type Element = unknown;

/**
 * One value of the type in the form it is stored: e-mails lower-cased, phone numbers in E.164,
 * date-times in UTC, so that equal values compare equal in filters. NOT_VALID when it is not one.
 */
function normalizeElement(type: AttributeType, raw: unknown): Element | typeof NOT_VALID {
  switch (type) {
    case 'string':
      return typeof raw === 'string' && raw.length <= MAX_TEXT_LENGTH ? raw : NOT_VALID;
    case 'number':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : NOT_VALID;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : NOT_VALID;
    case 'date':
      return typeof raw === 'string' && validDate(raw) ? raw : NOT_VALID;
    case 'datetime': {
      if (typeof raw !== 'string' || !DATETIME.test(raw) || !validDate(raw.slice(0, 10))) return NOT_VALID;
      const ms = Date.parse(raw);
      return Number.isNaN(ms) ? NOT_VALID : new Date(ms).toISOString();
    }
    case 'email': {
      if (typeof raw !== 'string' || raw.length > 254) return NOT_VALID;
      const email = raw.trim().toLowerCase();
      return emailSchema.safeParse(email).success ? email : NOT_VALID;
    }
    case 'phone': {
      if (typeof raw !== 'string' || !/^\+[\d\s\-()]{6,24}$/.test(raw.trim())) return NOT_VALID;
      const parsed = parsePhoneNumberFromString(raw.trim());
      return parsed !== undefined && parsed.isPossible() ? parsed.number : NOT_VALID;
    }
    case 'url': {
      if (typeof raw !== 'string' || raw.length > 2048) return NOT_VALID;
      try {
        const url = new URL(raw.trim());
        return url.protocol === 'http:' || url.protocol === 'https:' ? raw.trim() : NOT_VALID;
      } catch {
        return NOT_VALID;
      }
    }
    case 'json':
      return raw !== null && raw !== undefined && JSON.stringify(raw).length <= MAX_JSON_BYTES ? raw : NOT_VALID;
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

export type ElementResult = { ok: true; value: Element } | { ok: false };

export function normalizeAttributeElement(type: AttributeType, raw: unknown): ElementResult {
  const value = normalizeElement(type, raw);
  return value === NOT_VALID ? { ok: false } : { ok: true, value };
}

/** Where min and max place a value: the number itself, or milliseconds since the epoch (UTC). */
export function orderKey(type: AttributeType, element: unknown): number | undefined {
  if (type === 'number') return typeof element === 'number' ? element : undefined;
  if (type === 'date') return typeof element === 'string' ? Date.parse(`${element}T00:00:00Z`) : undefined;
  if (type === 'datetime') return typeof element === 'string' ? Date.parse(element) : undefined;
  return undefined;
}

/** How one stored element is indexed for filtering: ordered types by number, text types by text. */
export interface IndexEntry {
  num?: number;
  text?: string;
  /** Lower-cased text, for the case-insensitive contains / starts-with / ends-with operators. */
  fold?: string;
}

/** Elements of a stored (clear) value as index entries; none for JSON, which is not filterable. */
export function indexEntriesOf(type: AttributeType, multi: boolean, value: unknown): IndexEntry[] {
  if (type === 'json') return [];
  const elements = multi && Array.isArray(value) ? value : [value];
  return elements.flatMap((element): IndexEntry[] => {
    if (type === 'boolean') return typeof element === 'boolean' ? [{ num: element ? 1 : 0 }] : [];
    if (ORDERED_TYPES.has(type)) {
      const num = orderKey(type, element);
      return num === undefined || Number.isNaN(num) ? [] : [{ num }];
    }
    return typeof element === 'string' ? [{ text: element, fold: element.toLowerCase() }] : [];
  });
}
