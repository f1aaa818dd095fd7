import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { EmailEntry, PhoneEntry } from '../../events/customerEvents.js';
import { invalid } from '../../shared/errors.js';

/**
 * Splits a phone number into the country calling code and the national number. "+91 98765 43210"
 * carries its own code; a bare national number takes the configured default.
 */
export function parsePhone(
  field: string,
  input: string,
  defaultCountryCode: number,
  explicitCountryCode?: string | number,
): { phone: string; country_code: number } {
  const trimmed = input.trim();
  let code = defaultCountryCode;
  if (explicitCountryCode !== undefined && String(explicitCountryCode).trim() !== '') {
    const digits = String(explicitCountryCode).replace(/^\+/, '').trim();
    if (!/^\d{1,3}$/.test(digits)) throw invalid(field.replace(/phone$/, 'country_code'), 'must be 1 to 3 digits');
    code = Number(digits);
  }
  const international = trimmed.startsWith('+') ? trimmed : `+${code}${trimmed.replace(/^0+/, '')}`;
  if (!/^\+[\d\s\-()]+$/.test(international)) throw invalid(field, 'must contain only digits, spaces, dashes and an optional leading +');
  const parsed = parsePhoneNumberFromString(international);
  if (parsed === undefined || !parsed.isPossible()) throw invalid(field, 'is not a possible phone number');
  return { phone: parsed.nationalNumber, country_code: Number(parsed.countryCallingCode) };
}

/** At most one primary per list, and exactly one when the list is not empty. */
export function withOnePrimary<T extends { primary: boolean }>(field: string, entries: T[]): T[] {
  const primaries = entries.filter((e) => e.primary).length;
  if (primaries > 1) throw invalid(field, 'has more than one primary entry');
  if (primaries === 0 && entries.length > 0) return entries.map((e, i) => ({ ...e, primary: i === 0 }));
  return entries;
}

export function assertDistinct<T>(field: string, entries: T[], key: (entry: T) => string): void {
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const k = key(entry);
    if (seen.has(k)) throw invalid(`${field}[${i}]`, 'appears twice in the list');
    seen.add(k);
  });
}

export type { EmailEntry, PhoneEntry };
