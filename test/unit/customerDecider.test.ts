import { describe, it, expect } from 'vitest';
import { evolveCustomer, identifiersOf, initialCustomerState, type CustomerProfile } from '../../src/commands/customer/decider.js';
import type { CustomerEvent } from '../../src/events/customerEvents.js';
import { customerSpec } from '../support/deciderSpec.js';

const spec = customerSpec;

const profile: CustomerProfile = {
  user_id: 'u1',
  application_id: 'app1',
  company_id: '559',
  username: 'Ann_1',
  first_name: 'Ann',
  meta: {},
  phone_numbers: [{ phone: '9876543210', country_code: 91, active: true, primary: true, verified: true }],
  emails: [{ email: 'Ann@Example.com', active: true, primary: true, verified: true }],
  account_type: 'user',
};
const created: CustomerEvent = { type: 'UserCreated', data: profile };
const blocked: CustomerEvent = { type: 'UserBlocked', data: { reason: 'fraud' } };
const archived: CustomerEvent = { type: 'UserArchived', data: { reason: 'asked to leave' } };

describe('customer decider', () => {
  it('creates a customer that does not exist yet', () => {
    spec([]).when({ type: 'CreateCustomer', data: profile }).then([created]);
  });

  it('refuses to create the same customer twice', () => {
    spec([created]).when({ type: 'CreateCustomer', data: profile }).thenFails('conflict', 'user_exists');
  });

  it('refuses commands on a customer that does not exist', () => {
    spec([]).when({ type: 'BlockCustomer', data: { reason: 'x' } }).thenFails('not_found');
  });

  it('blocks with the reason kept in the event', () => {
    spec([created]).when({ type: 'BlockCustomer', data: { reason: 'fraud', reason_id: 'r1' } }).then([
      { type: 'UserBlocked', data: { reason: 'fraud', reason_id: 'r1' } },
    ]);
  });

  it('blocking a blocked customer changes nothing', () => {
    spec([created, blocked]).when({ type: 'BlockCustomer', data: { reason: 'again' } }).then([]);
  });

  it('unblocks only a blocked customer', () => {
    spec([created, blocked]).when({ type: 'UnblockCustomer', data: { reason: 'cleared' } }).then([
      { type: 'UserUnblocked', data: { reason: 'cleared' } },
    ]);
    spec([created]).when({ type: 'UnblockCustomer', data: { reason: 'cleared' } }).then([]);
  });

  it('updates only the fields that change', () => {
    spec([created]).when({ type: 'UpdateCustomer', data: { first_name: 'Ann', last_name: 'Lee' } }).then([
      { type: 'UserUpdated', data: { last_name: 'Lee' } },
    ]);
    spec([created]).when({ type: 'UpdateCustomer', data: { first_name: 'Ann' } }).then([]);
  });

  it('refuses to edit an archived customer', () => {
    spec([created, archived]).when({ type: 'UpdateCustomer', data: { first_name: 'Bo' } }).thenFails('conflict', 'user_archived');
  });

  it('restores only an archived customer', () => {
    spec([created]).when({ type: 'RestoreCustomer', data: { reason: 'mistake' } }).thenFails('conflict', 'user_not_archived');
    spec([created, archived]).when({ type: 'RestoreCustomer', data: { reason: 'mistake', reason_id: '7' } }).then([
      { type: 'UserRestored', data: { reason: 'mistake', reason_id: '7' } },
    ]);
  });

  it('a customer holds its normalized identifiers until archived', () => {
    const state = [created].reduce(evolveCustomer, initialCustomerState());
    expect(identifiersOf(state)).toEqual([
      { kind: 'email', value: 'ann@example.com' },
      { kind: 'phone', value: '919876543210' },
      { kind: 'username', value: 'ann_1' },
    ]);
    expect(identifiersOf([created, archived].reduce(evolveCustomer, initialCustomerState()))).toEqual([]);
  });
});

describe('customer decider: erasure', () => {
  const erased: CustomerEvent = { type: 'UserErased', data: { reason: 'GDPR request', reason_id: 'T-1' } };

  it('erases a customer, archived or not, with the reason', () => {
    spec([created]).when({ type: 'EraseCustomer', data: { reason: 'GDPR request', reason_id: 'T-1' } }).then([erased]);
    spec([created, archived]).when({ type: 'EraseCustomer', data: { reason: 'GDPR request', reason_id: 'T-1' } }).then([erased]);
  });

  it('erasing again changes nothing, and no other command applies any more', () => {
    spec([created, erased]).when({ type: 'EraseCustomer', data: { reason: 'again' } }).then([]);
    spec([created, erased]).when({ type: 'UpdateCustomer', data: { first_name: 'Back' } }).thenFails('conflict', 'user_erased');
    spec([created, erased]).when({ type: 'RestoreCustomer', data: { reason: 'undo' } }).thenFails('conflict', 'user_erased');
  });

  it('an erased customer holds no email, phone or username', () => {
    expect(identifiersOf([created, erased].reduce(evolveCustomer, initialCustomerState()))).toEqual([]);
  });

  it('cannot erase a customer that does not exist', () => {
    spec([]).when({ type: 'EraseCustomer', data: { reason: 'x' } }).thenFails('not_found');
  });
});
