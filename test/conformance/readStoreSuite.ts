import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events/envelope.js';
import type { CustomerEvent } from '../../src/events/customerEvents.js';
import { parseCustomerQuery } from '../../src/projections/customers/customerFilter.js';
import type { ReadStore } from '../../src/projections/readStore.js';
import { TestLog } from '../support/eventLog.js';

export interface ReadStoreUnderTest {
  readStore: ReadStore;
  cleanup(): Promise<void>;
}

const APP = 'app-conformance';
const log = new TestLog(APP);

const userEvent = (userId: string, event: CustomerEvent): StoredEvent => log.event(`user-${userId}`, event.type, event.data, { type: 'system', id: 't' });

const created = (userId: string, email: string, phone: string, extra: Record<string, unknown> = {}): CustomerEvent => ({
  type: 'UserCreated',
  data: {
    user_id: userId,
    application_id: APP,
    company_id: '559',
    username: `user_${userId}`,
    meta: {},
    phone_numbers: [{ phone, country_code: 91, active: true, primary: true, verified: true }],
    emails: [{ email, active: true, primary: true, verified: true }],
    account_type: 'user',
    ...extra,
  },
});

/** One behaviour suite that every read-store adapter runs. */
export function readStoreConformance(name: string, open: () => Promise<ReadStoreUnderTest>, skipBecause?: string): void {
  describe.skipIf(skipBecause !== undefined)(`read store conformance: ${name}${skipBecause === undefined ? '' : ` (skipped: ${skipBecause})`}`, () => {
    let subject: ReadStoreUnderTest;
    let store: ReadStore;
    const apply = async (events: StoredEvent[]) => {
      for (const projection of store.projections) {
        await projection.apply(events.filter((e) => projection.streamPrefixes.some((p) => e.stream.startsWith(p))));
      }
    };
    const ids = async (q: string, includeArchived = false) =>
      (
        await store.customers.list({ application_id: APP, filter: parseCustomerQuery(q), include_archived: includeArchived, page: { page_no: 1, page_size: 50 } })
      ).items.map((c) => c.user_id);

    beforeEach(async () => {
      subject = await open();
      store = subject.readStore;
      log.restartStreams();
    });
    afterEach(async () => subject.cleanup());

    it('follows a shopper’s own contact changes: added, verified, made primary, removed', async () => {
      const work = { kind: 'email' as const, email: 'work@example.com' };
      await apply([
        userEvent('c1', created('c1', 'home@example.com', '9000000011')),
        userEvent('c1', { type: 'UserContactAdded', data: { contact: work, primary: false } }),
      ]);
      expect(await ids('work@example.com')).toEqual(['c1']);
      await apply([
        userEvent('c1', { type: 'UserContactVerified', data: work }),
        userEvent('c1', { type: 'UserPrimaryContactSet', data: { contact: work } }),
        userEvent('c1', { type: 'UserContactRemoved', data: { contact: { kind: 'email', email: 'home@example.com' } } }),
      ]);
      expect(await ids('home@example.com')).toEqual([]);
      expect((await store.customers.get(APP, 'c1'))?.emails).toEqual([{ email: 'work@example.com', active: true, primary: true, verified: true }]);
    });

    it('projects customers and finds them by email, phone, username and id', async () => {
      await apply([userEvent('u1', created('u1', 'Ann@Example.com', '9000000001', { first_name: 'Ann' })), userEvent('u2', created('u2', 'bo@example.com', '9000000002'))]);
      expect(await ids('ann@example.com')).toEqual(['u1']);
      expect(await ids('9000000002')).toEqual(['u2']);
      expect(await ids('919000000002')).toEqual(['u2']);
      expect(await ids('USER_U1')).toEqual(['u1']);
      expect(await ids('{"_id":"u2"}')).toEqual(['u2']);
      expect(await ids('{"$or":[{"emails.email":"bo@example.com"},{"first_name":"Ann"}]}')).toEqual(['u2', 'u1']);
      expect(await ids('{"emails.email":{"$regex":"^ANN@","$options":"i"}}')).toEqual(['u1']);
      expect(await ids('{"phone_numbers.phone":{"$in":["9000000001","9000000002"]}}')).toEqual(['u2', 'u1']);
      const view = await store.customers.get(APP, 'u1');
      expect(view).toMatchObject({ user_id: 'u1', first_name: 'Ann', active: true, archive: false, revision: 0 });
      expect(await store.customers.get('another-app', 'u1')).toBeNull();
    });

    it('applying the same events twice changes nothing', async () => {
      const events = [
        userEvent('u1', created('u1', 'a@example.com', '9000000001')),
        userEvent('u1', { type: 'UserUpdated', data: { first_name: 'Once' } }),
        userEvent('u1', { type: 'UserBlocked', data: { reason: 'r' } }),
      ];
      await apply(events);
      const first = await store.customers.get(APP, 'u1');
      await apply(events);
      await apply(events.slice(0, 1));
      expect(await store.customers.get(APP, 'u1')).toEqual(first);
      expect(first).toMatchObject({ first_name: 'Once', active: false, revision: 2 });
    });

    it('answers a customer’s status without the document: unknown, active, blocked, archived', async () => {
      await apply([userEvent('u1', created('u1', 'a@example.com', '9000000001')), userEvent('u2', created('u2', 'b@example.com', '9000000002'))]);
      expect(await store.customers.status(APP, 'u1')).toEqual({ active: true, archive: false });
      expect(await store.customers.status(APP, 'nobody')).toBeNull();
      expect(await store.customers.status('another-app', 'u1')).toBeNull();
      await apply([userEvent('u1', { type: 'UserBlocked', data: { reason: 'fraud' } }), userEvent('u2', { type: 'UserArchived', data: { reason: 'gone' } })]);
      expect(await store.customers.status(APP, 'u1')).toEqual({ active: false, archive: false });
      expect(await store.customers.status(APP, 'u2')).toEqual({ active: true, archive: true });
    });

    it('leaves archived customers out of lists unless asked, and follows restore', async () => {
      await apply([
        userEvent('u1', created('u1', 'a@example.com', '9000000001')),
        userEvent('u1', { type: 'UserArchived', data: { reason: 'gone' } }),
      ]);
      expect(await ids('a@example.com')).toEqual([]);
      expect(await ids('a@example.com', true)).toEqual(['u1']);
      expect(await ids('{"archive":true}')).toEqual(['u1']);
      expect((await store.customers.get(APP, 'u1'))?.deleted_on).toBeDefined();
      await apply([userEvent('u1', { type: 'UserRestored', data: { reason: 'back' } })]);
      expect(await ids('a@example.com')).toEqual(['u1']);
      expect((await store.customers.get(APP, 'u1'))?.deleted_on).toBeUndefined();
    });

    it('keeps only a tombstone of an erased customer, found by no identifier, even when events come again', async () => {
      const events = [
        userEvent('u1', created('u1', 'erase.me@example.com', '9000000071', { first_name: 'Erin', last_name: 'Rased', gender: 'female', meta: { a: 1 } })),
        userEvent('u2', created('u2', 'keep.me@example.com', '9000000072', { first_name: 'Kim' })),
        userEvent('u1', { type: 'UserErased', data: { reason: 'request', reason_id: 'T-1' } }),
      ];
      await apply(events);
      await apply(events);
      const tombstone = await store.customers.get(APP, 'u1');
      expect(tombstone).toMatchObject({ user_id: 'u1', username: '[erased]', emails: [], phone_numbers: [], meta: {}, archive: true, active: false });
      expect(tombstone?.erased_on).toBeDefined();
      expect(JSON.stringify(tombstone)).not.toMatch(/erase\.me|9000000071|Erin|Rased|female/);
      for (const q of ['erase.me@example.com', '9000000071', 'user_u1', '[erased]']) expect(await ids(q, true)).toEqual([]);
      expect(await ids('keep.me@example.com')).toEqual(['u2']);
      expect(await store.customers.get(APP, 'u2')).toMatchObject({ first_name: 'Kim' });
    });

    it('follows changed emails and phones, forgetting the old ones', async () => {
      await apply([
        userEvent('u1', created('u1', 'old@example.com', '9000000001')),
        userEvent('u1', {
          type: 'UserUpdated',
          data: {
            emails: [{ email: 'new@example.com', active: true, primary: true, verified: false }],
            phone_numbers: [{ phone: '9000000009', country_code: 91, active: true, primary: true, verified: false }],
          },
        }),
      ]);
      expect(await ids('old@example.com')).toEqual([]);
      expect(await ids('9000000001')).toEqual([]);
      expect(await ids('new@example.com')).toEqual(['u1']);
      expect(await ids('9000000009')).toEqual(['u1']);
    });

    it('pages newest first with a correct total', async () => {
      await apply(Array.from({ length: 7 }, (_, i) => userEvent(`p${i}`, created(`p${i}`, `p${i}@example.com`, `900000010${i}`))));
      const page = await store.customers.list({ application_id: APP, include_archived: false, page: { page_no: 2, page_size: 3 } });
      expect(page.total).toBe(7);
      expect(page.items.map((c) => c.user_id)).toEqual(['p3', 'p2', 'p1']);
    });

    it('keeps credentials and checkpoints', async () => {
      await apply([log.event('application-a1', 'ApplicationRegistered', { application_id: 'a1', company_id: '559', token_hash: 'h1' }, { type: 'system', id: 't' })]);
      expect(await store.access.application('a1')).toEqual({ id: 'a1', company_id: '559', secret_hash: 'h1' });
      expect(await store.access.application('missing')).toBeNull();
      await store.checkpoints.set('customers', 12345678901n);
      expect(await store.checkpoints.get('customers')).toBe(12345678901n);
      expect(await store.checkpoints.get('never-set')).toBe(0n);
    });
  });
}
