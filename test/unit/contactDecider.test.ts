import { describe, expect, it } from 'vitest';
import { evolveCustomer, identifiersOf, initialCustomerState, type CustomerCommand } from '../../src/commands/customer/decider.js';
import type { ContactData, CustomerEvent } from '../../src/events/customerEvents.js';
import { customerSpec } from '../support/deciderSpec.js';

const spec = customerSpec;

const mobile: ContactData = { kind: 'phone', phone: '9876543210', country_code: 91 };
const home: ContactData = { kind: 'email', email: 'home@example.com' };
const work: ContactData = { kind: 'email', email: 'work@example.com' };

/** A shopper registered with a verified primary mobile and no email. */
const registered: CustomerEvent = {
  type: 'UserCreated',
  data: {
    user_id: 'u1',
    application_id: 'app',
    company_id: '1',
    username: 'u1',
    meta: {},
    account_type: 'user',
    emails: [],
    phone_numbers: [{ phone: '9876543210', country_code: 91, active: true, primary: true, verified: true }],
  },
};
const added = (contact: ContactData, primary = false): CustomerEvent => ({ type: 'UserContactAdded', data: { contact, primary } });
const verified = (contact: ContactData): CustomerEvent => ({ type: 'UserContactVerified', data: contact });
const madePrimary = (contact: ContactData): CustomerEvent => ({ type: 'UserPrimaryContactSet', data: { contact } });

const add = (contact: ContactData, extra: Partial<{ verified: boolean; primary: boolean }> = {}): CustomerCommand => ({
  type: 'AddContact',
  contact,
  verified: false,
  primary: false,
  field: 'body.email',
  ...extra,
});
const remove = (contact: ContactData, required = false): CustomerCommand => ({ type: 'RemoveContact', contact, required, field: 'query.email' });
const setPrimary = (contact: ContactData): CustomerCommand => ({ type: 'SetPrimaryContact', contact, field: 'body.email' });

describe('adding an email or mobile', () => {
  it('adds it unverified, primary only when it is the first of its kind', () => {
    spec([registered]).when(add(home)).then([added(home, true)]);
    spec([registered, added(home, true)]).when(add(work)).then([added(work, false)]);
  });
  it('refuses one already in the profile, whatever its case', () => {
    spec([registered, added(home, true)]).when(add({ kind: 'email', email: 'HOME@example.com' })).thenFails('validation', 'email_exists');
  });
  it('adds a proven contact verified and primary in one step (the OTP update flow)', () => {
    spec([registered, added(home, true), verified(home)]).when(add(work, { verified: true, primary: true })).then([added(work), verified(work), madePrimary(work)]);
    spec([registered]).when(add(home, { verified: true, primary: true })).then([added(home, true), verified(home)]);
  });
  it('claims the identifier the moment it is added, so no one else can', () => {
    const state = [registered, added(home, true)].reduce(evolveCustomer, initialCustomerState());
    expect(identifiersOf(state)).toContainEqual({ kind: 'email', value: 'home@example.com' });
  });
  it('refuses changes to an archived customer', () => {
    spec([registered, { type: 'UserArchived', data: {} }]).when(add(home)).thenFails('conflict', 'user_archived');
  });
});

describe('making an email or mobile primary', () => {
  it('only a verified one', () => {
    spec([registered, added(home, true), added(work)]).when(setPrimary(work)).thenFails('validation', 'contact_not_verified');
    spec([registered, added(home, true), added(work), verified(work)]).when(setPrimary(work)).then([madePrimary(work)]);
  });
  it('is a no-op for the current primary, and a 400 for one not in the profile', () => {
    spec([registered, added(home, true), verified(home)]).when(setPrimary(home)).then([]);
    spec([registered]).when(setPrimary(home)).thenFails('validation', 'invalid_input');
  });
  it('leaves exactly one primary of that kind', () => {
    const state = [registered, added(home, true), verified(home), added(work), verified(work), madePrimary(work)].reduce(evolveCustomer, initialCustomerState());
    if (state.status !== 'present') throw new Error('present expected');
    expect(state.profile.emails.map((e) => [e.email, e.primary])).toEqual([
      ['home@example.com', false],
      ['work@example.com', true],
    ]);
  });
});

describe('removing an email or mobile', () => {
  it('identifies it by every flag the caller gives, and refuses when one no longer holds', () => {
    const both = [registered, added(home, true), verified(home), added(work), verified(work)];
    const removeWith = (flags: { active?: boolean; primary?: boolean; verified?: boolean }): CustomerCommand => ({ ...remove(work), flags } as CustomerCommand);
    spec(both).when(removeWith({ primary: true })).thenFails('validation', 'invalid_input');
    spec(both).when(removeWith({ active: true, primary: false, verified: false })).thenFails('validation', 'invalid_input');
    spec(both).when(removeWith({ active: true, primary: false, verified: true })).then([{ type: 'UserContactRemoved', data: { contact: work } }]);
  });
  it('never the last verified way to sign in', () => {
    spec([registered]).when(remove(mobile)).thenFails('validation', 'last_sign_in_contact');
    spec([registered, added(home, true)]).when(remove(mobile)).thenFails('validation', 'last_sign_in_contact');
    spec([registered, added(home, true), verified(home)]).when(remove(mobile)).then([{ type: 'UserContactRemoved', data: { contact: mobile } }]);
  });
  it('never the primary while another verified one could be primary', () => {
    const both = [registered, added(home, true), verified(home), added(work), verified(work)];
    spec(both).when(remove(home)).thenFails('validation', 'primary_contact');
    spec(both).when(remove(work)).then([{ type: 'UserContactRemoved', data: { contact: work } }]);
    // With only an unverified one beside it, nothing could take its place: it may go.
    spec([registered, added(home, true), verified(home), added(work)]).when(remove(home)).then([{ type: 'UserContactRemoved', data: { contact: home } }]);
  });
  it('never the only one of a kind the sales channel requires', () => {
    spec([registered, added(home, true), verified(home)]).when(remove(mobile, true)).thenFails('validation', 'phone_required');
  });
  it('an unverified one always', () => {
    spec([registered, added(home, true)]).when(remove(home)).then([{ type: 'UserContactRemoved', data: { contact: home } }]);
  });
  it('releases its identifier', () => {
    const state = [registered, added(home, true), { type: 'UserContactRemoved', data: { contact: home } } as CustomerEvent].reduce(evolveCustomer, initialCustomerState());
    expect(identifiersOf(state).some((i) => i.kind === 'email')).toBe(false);
  });
});
