import type { ContactData, CustomerEvent, EmailEntry, PhoneEntry } from '../../events/customerEvents.js';
import { conflict, DomainError, invalid } from '../../shared/errors.js';
import type { CustomerState } from './decider.js';

type Present = Extract<CustomerState, { status: 'present' }>;
type ContactEvent = Extract<CustomerEvent, { type: 'UserContactAdded' | 'UserContactRemoved' | 'UserPrimaryContactSet' | 'UserContactVerified' }>;

/** The lists a contact event changes: the aggregate's profile and the customers read model alike. */
export interface ContactLists {
  emails: EmailEntry[];
  phone_numbers: PhoneEntry[];
}

export type ContactCommand =
  /**
   * `verified`: the shopper has already proven the contact (the OTP of the v2 update flow);
   * `primary`: it becomes the primary of its kind at once. `field` names it in a 400.
   */
  | { type: 'AddContact'; contact: ContactData; verified: boolean; primary: boolean; field: string }
  /**
   * `required`: the sales channel's config makes this kind of contact mandatory (`required_fields` at level hard).
   * `flags`: what the caller believes the contact is (deleteEmail's `active`, `primary`, `verified`):
   * the contact is identified by all of them, so one that no longer holds refuses the removal.
   */
  | { type: 'RemoveContact'; contact: ContactData; required: boolean; field: string; flags?: ContactFlags }
  | { type: 'SetPrimaryContact'; contact: ContactData; field: string };

export interface ContactFlags {
  active?: boolean;
  primary?: boolean;
  verified?: boolean;
}

const matches = (contact: ContactData) => (entry: EmailEntry | PhoneEntry) =>
  contact.kind === 'email'
    ? 'email' in entry && entry.email.toLowerCase() === contact.email.toLowerCase()
    : 'phone' in entry && entry.phone === contact.phone && entry.country_code === contact.country_code;

function listOf(lists: ContactLists, kind: ContactData['kind']): Array<EmailEntry | PhoneEntry> {
  return kind === 'email' ? lists.emails : lists.phone_numbers;
}

function withList<T extends ContactLists>(lists: T, kind: ContactData['kind'], entries: Array<EmailEntry | PhoneEntry>): T {
  return kind === 'email' ? { ...lists, emails: entries as EmailEntry[] } : { ...lists, phone_numbers: entries as PhoneEntry[] };
}

function entryOf(contact: ContactData, primary: boolean): EmailEntry | PhoneEntry {
  const flags = { active: true, primary, verified: false };
  return contact.kind === 'email' ? { email: contact.email, ...flags } : { phone: contact.phone, country_code: contact.country_code, ...flags };
}

export function applyContactEvent<T extends ContactLists>(lists: T, event: ContactEvent): T {
  const { kind } = event.type === 'UserContactVerified' ? event.data : event.data.contact;
  const entries = listOf(lists, kind);
  switch (event.type) {
    case 'UserContactAdded':
      return withList(lists, kind, [...entries, entryOf(event.data.contact, event.data.primary)]);
    case 'UserContactRemoved':
      return withList(lists, kind, entries.filter((e) => !matches(event.data.contact)(e)));
    case 'UserPrimaryContactSet': {
      const isIt = matches(event.data.contact);
      return withList(lists, kind, entries.map((e) => ({ ...e, primary: isIt(e) })));
    }
    case 'UserContactVerified': {
      const isIt = matches(event.data);
      return withList(lists, kind, entries.map((e) => (isIt(e) ? { ...e, verified: true } : e)));
    }
  }
}

const noun = (kind: ContactData['kind']) => (kind === 'email' ? 'email' : 'mobile number');
const refused = (field: string, code: string, message: string) => new DomainError('validation', code, `${field}: ${message}`, [{ field, message }]);

/** Verified emails and mobiles: the ways a shopper can prove who they are and get back in. */
const signInWays = (lists: ContactLists) => [...lists.emails, ...lists.phone_numbers].filter((e) => e.verified && e.active).length;

/**
 * Adding, removing and choosing the primary email or mobile. A contact counts as a way to sign
 * in once verified; a shopper is never left without one, and the primary is never removed while
 * another verified contact of its kind could take its place.
 */
export function decideContactChange(command: ContactCommand, state: Present): CustomerEvent[] {
  if (state.archived) throw conflict('user_archived', 'user is archived');
  const { contact, field } = command;
  const entries = listOf(state.profile, contact.kind);
  const existing = entries.find(matches(contact));
  switch (command.type) {
    case 'AddContact': {
      if (existing !== undefined && !command.verified) throw refused(field, `${contact.kind}_exists`, `is already in your profile`);
      const events: CustomerEvent[] = [];
      if (existing === undefined) events.push({ type: 'UserContactAdded', data: { contact, primary: entries.length === 0 } });
      if (command.verified && existing?.verified !== true) events.push({ type: 'UserContactVerified', data: contact });
      if (command.primary && existing?.primary !== true && !(existing === undefined && entries.length === 0)) {
        events.push({ type: 'UserPrimaryContactSet', data: { contact } });
      }
      return events;
    }
    case 'RemoveContact': {
      if (existing === undefined) throw invalid(field, `is not one of your ${noun(contact.kind)}s`);
      for (const flag of ['active', 'primary', 'verified'] as const) {
        const expected = command.flags?.[flag];
        if (expected !== undefined && expected !== existing[flag]) {
          throw invalid(`${field.slice(0, field.indexOf('.') + 1)}${flag}`, `does not match: that ${noun(contact.kind)} is ${existing[flag] ? '' : 'not '}${flag}`);
        }
      }
      if (existing.verified && existing.active && signInWays(state.profile) <= 1) {
        throw refused(field, 'last_sign_in_contact', `is your only verified email or mobile number: add and verify another before removing it`);
      }
      if (command.required && entries.length <= 1) {
        throw refused(field, `${contact.kind}_required`, `this sales channel requires a ${noun(contact.kind)}: add another before removing it`);
      }
      if (existing.primary && entries.some((e) => e !== existing && e.verified && e.active)) {
        throw refused(field, 'primary_contact', `is your primary ${noun(contact.kind)}: make another one primary before removing it`);
      }
      return [{ type: 'UserContactRemoved', data: { contact } }];
    }
    case 'SetPrimaryContact': {
      if (existing === undefined) throw invalid(field, `is not one of your ${noun(contact.kind)}s`);
      if (!existing.verified) throw refused(field, 'contact_not_verified', `must be verified before it can be primary`);
      return existing.primary ? [] : [{ type: 'UserPrimaryContactSet', data: { contact } }];
    }
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}

/** The primary email or mobile before a change: the address told about it. */
export function primaryOf(lists: ContactLists, kind: ContactData['kind']): ContactData | undefined {
  if (kind === 'email') {
    const e = lists.emails.find((x) => x.primary);
    return e === undefined ? undefined : { kind: 'email', email: e.email };
  }
  const p = lists.phone_numbers.find((x) => x.primary);
  return p === undefined ? undefined : { kind: 'phone', phone: p.phone, country_code: p.country_code };
}
