import { invalid } from '../../shared/errors.js';
import { parsePhone } from '../customer/contact.js';
import type { VerifiedContact } from '../customer/credentials.js';
import { emailIdentifier, phoneIdentifier } from './accounts.js';

export type Contact = VerifiedContact;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseEmail(field: string, value: string): Contact & { kind: 'email' } {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw invalid(field, 'is not an email address');
  return { kind: 'email', email };
}

export function parseMobile(field: string, mobile: string, defaultCountryCode: number, countryCode?: string): Contact & { kind: 'phone' } {
  return { kind: 'phone', ...parsePhone(field, mobile, defaultCountryCode, countryCode) };
}

/** Where a message to this contact goes: E.164 for a number, the address for an email. */
export const recipientOf = (contact: Contact): string =>
  contact.kind === 'email' ? contact.email : `+${contact.country_code}${contact.phone}`;

export const channelOf = (contact: Contact): 'sms' | 'email' => (contact.kind === 'email' ? 'email' : 'sms');

export const identifierOf = (contact: Contact) => (contact.kind === 'email' ? emailIdentifier(contact.email) : phoneIdentifier(contact));

/** The contact a stored code was sent to, back from its recipient. */
export function contactOfRecipient(channel: 'sms' | 'email', recipient: string, defaultCountryCode: number): Contact {
  return channel === 'email' ? { kind: 'email', email: recipient } : parseMobile('recipient', recipient, defaultCountryCode);
}

export const sameContact = (a: Contact | undefined, b: Contact | undefined): boolean =>
  a !== undefined && b !== undefined && recipientOf(a) === recipientOf(b);
