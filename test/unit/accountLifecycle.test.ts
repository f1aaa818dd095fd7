import { describe, expect, it } from 'vitest';
import { evolveCustomer, identifiersOf, initialCustomerState, type CustomerProfile } from '../../src/commands/customer/decider.js';
import type { CustomerEvent } from '../../src/events/customerEvents.js';
import { customerSpec } from '../support/deciderSpec.js';

const spec = customerSpec;

const profile: CustomerProfile = {
  user_id: 'u1',
  application_id: 'app1',
  company_id: '559',
  username: 'gita_00001',
  meta: {},
  phone_numbers: [],
  emails: [{ email: 'gita@example.com', active: true, primary: true, verified: true }],
  account_type: 'user',
};
const link = { provider: 'google', subject: 'g-1', client: 'google-web', matched_by: 'new_account' } as const;
const created: CustomerEvent = { type: 'UserCreated', data: profile };
const linked: CustomerEvent = { type: 'UserSocialAccountLinked', data: link };
const request = { deletion_id: 'd1', reason: 'Other', reason_id: '3', delete_on: '2026-12-04T10:00:00.000Z', confirmed_by: 'otp' } as const;
const requested: CustomerEvent = { type: 'UserDeletionRequested', data: request };

describe('social links and delete requests (customer decider)', () => {
  it('creates a customer and their provider link in one decision', () => {
    spec([]).when({ type: 'CreateSocialCustomer', data: profile, link }).then([created, linked]);
  });

  it('links a provider account once; the customer then holds it like an email', () => {
    const command = { type: 'LinkSocialAccount', provider: 'google', subject: 'g-1', client: 'google-ios', matched_by: 'verified_email' } as const;
    spec([created, linked]).when(command).then([]);
    const state = [created, linked].reduce(evolveCustomer, initialCustomerState());
    expect(identifiersOf(state)).toContainEqual({ kind: 'social', value: 'google:g-1' });
    const archived = evolveCustomer(state, { type: 'UserArchived', data: { reason: 'gone' } });
    expect(identifiersOf(archived)).toEqual([]);
  });

  it('records a delete request once; a second while one waits is refused', () => {
    spec([created]).when({ type: 'RequestDeletion', ...request }).then([requested]);
    spec([created, requested]).when({ type: 'RequestDeletion', ...request, deletion_id: 'd2' }).thenFails('conflict', 'deletion_pending');
  });

  it('cancels the waiting request, and nothing when none waits or it was carried out', () => {
    spec([created, requested]).when({ type: 'CancelDeletion', reason: 'signed in' }).then([
      { type: 'UserDeletionCancelled', data: { deletion_id: 'd1', reason: 'signed in' } },
    ]);
    spec([created]).when({ type: 'CancelDeletion', reason: 'signed in' }).then([]);
    spec([created, requested, { type: 'UserArchived', data: { reason: 'deleted' } }]).when({ type: 'RequestDeletion', ...request }).thenFails('conflict', 'user_archived');
  });
});
