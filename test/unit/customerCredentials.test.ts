import { describe, expect, it } from 'vitest';
import { currentPasswordHash, recentPasswordHashes } from '../../src/commands/customer/credentials.js';
import { evolveCustomer, initialCustomerState, type CustomerCommand, type CustomerProfile } from '../../src/commands/customer/decider.js';
import type { CustomerEvent } from '../../src/events/customerEvents.js';
import { customerSpec } from '../support/deciderSpec.js';

const spec = customerSpec;

const profile: CustomerProfile = {
  user_id: 'u1',
  application_id: 'app1',
  company_id: '559',
  username: 'ann_1',
  meta: {},
  phone_numbers: [{ phone: '9876543210', country_code: 91, active: true, primary: true, verified: false }],
  emails: [{ email: 'Ann@Example.com', active: true, primary: true, verified: false }],
  account_type: 'user',
};
const created: CustomerEvent = { type: 'UserCreated', data: profile };
const passwordSet = (hash: string, reason: 'registration' | 'change' | 'reset' = 'change'): CustomerEvent => ({
  type: 'UserPasswordSet',
  data: { password_hash: hash, reason },
});
const setPassword = (hash: string, reuses = false): CustomerCommand => ({
  type: 'SetPassword',
  password_hash: hash,
  reason: 'change',
  reuses_recent_password: reuses,
  history_count: 2,
});

describe('customer credentials (decider)', () => {
  it('registers a customer with their first password in one decision', () => {
    spec([]).when({ type: 'RegisterCustomer', data: profile, password_hash: '$argon2id$a' }).then([created, passwordSet('$argon2id$a', 'registration')]);
  });

  it('sets a new password, unless it reuses a recent one', () => {
    spec([created, passwordSet('$argon2id$a', 'registration')]).when(setPassword('$argon2id$b')).then([passwordSet('$argon2id$b')]);
    spec([created, passwordSet('$argon2id$a', 'registration')]).when(setPassword('$argon2id$b', true)).thenFails('validation', 'invalid_input');
  });

  it('refuses a password for an archived or unknown customer', () => {
    spec([created, { type: 'UserArchived', data: {} }]).when(setPassword('$argon2id$b')).thenFails('conflict', 'user_archived');
    spec([]).when(setPassword('$argon2id$b')).thenFails('not_found');
  });

  it('keeps the current hash and the history the reuse check needs, newest first', () => {
    const state = [created, passwordSet('$argon2id$1', 'registration'), passwordSet('$argon2id$2'), passwordSet('$argon2id$3')].reduce(
      evolveCustomer,
      initialCustomerState(),
    );
    expect(currentPasswordHash(state)).toBe('$argon2id$3');
    expect(recentPasswordHashes(state, 0)).toEqual(['$argon2id$3']);
    expect(recentPasswordHashes(state, 1)).toEqual(['$argon2id$3', '$argon2id$2']);
  });

  it('records a failed sign-in, and the lock with the failure that caused it', () => {
    const failure = { type: 'RecordLoginFailure', attempt: 4, method: 'password', reason: 'wrong_password', ip: '10.0.0.1' } as const;
    spec([created]).when(failure).then([{ type: 'UserLoginFailed', data: { user_id: 'u1', attempt: 4, method: 'password', reason: 'wrong_password', ip: '10.0.0.1' } }]);
    spec([created])
      .when({ ...failure, attempt: 5, locked_until: '2026-11-27T12:15:00.000Z' })
      .then([
        { type: 'UserLoginFailed', data: { user_id: 'u1', attempt: 5, method: 'password', reason: 'wrong_password', ip: '10.0.0.1' } },
        { type: 'UserLockedOut', data: { user_id: 'u1', until: '2026-11-27T12:15:00.000Z', attempts: 5 } },
      ]);
  });

  it('verifies a contact the customer has, once, and not one they do not have', () => {
    const verifyEmail: CustomerCommand = { type: 'VerifyContact', contact: { kind: 'email', email: 'ann@example.com' } };
    const verified: CustomerEvent = { type: 'UserContactVerified', data: { kind: 'email', email: 'ann@example.com' } };
    spec([created]).when(verifyEmail).then([verified]);
    spec([created, verified]).when(verifyEmail).then([]);
    spec([created]).when({ type: 'VerifyContact', contact: { kind: 'phone', phone: '9000000000', country_code: 91 } }).thenFails('not_found');
    const state = [created, verified].reduce(evolveCustomer, initialCustomerState());
    expect(state.status === 'present' && state.profile.emails[0]?.verified).toBe(true);
  });
});
