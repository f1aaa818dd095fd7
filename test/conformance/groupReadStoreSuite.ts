import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events/envelope.js';
import { groupImportStream, groupMembersStream, groupStream, type GroupFields } from '../../src/events/groupEvents.js';
import type { ReadStore } from '../../src/projections/readStore.js';
import type { ReadStoreUnderTest } from './readStoreSuite.js';
import { TestLog } from '../support/eventLog.js';

const APP = 'app-groups';
const log = new TestLog(APP);

const stored = (stream: string, type: string, data: unknown): StoredEvent => log.event(stream, type, data, { type: 'platform_client', id: 'c' });

const fields = (name: string, extra: Partial<GroupFields> = {}): GroupFields => ({ name, description: '', type: 'bulk', conditions: [], file_url: '', ...extra });
const created = (groupId: string, uid: number, group: GroupFields) =>
  stored(groupStream(groupId), 'UserGroupCreated', { group_id: groupId, application_id: APP, company_id: '559', uid, group });
const members = (stream: string, groupId: string, added: string[], removed: string[] = [], extra: Record<string, unknown> = {}) =>
  stored(stream, 'UserGroupMembersChanged', { group_id: groupId, application_id: APP, source: { type: 'json' }, added, removed, ...extra });

/** One behaviour suite for every groups read model; `skip` names why an adapter cannot run here. */
export function groupReadStoreConformance(name: string, open: () => Promise<ReadStoreUnderTest>, skip?: string): void {
  describe.skipIf(skip !== undefined)(`groups read model conformance: ${name}`, () => {
    let store: ReadStore;
    let cleanup: () => Promise<void>;
    const apply = async (events: StoredEvent[]) => {
      for (const projection of store.projections) {
        await projection.apply(events.filter((e) => projection.streamPrefixes.some((p) => e.stream.startsWith(p))));
      }
    };
    beforeEach(async () => {
      ({ readStore: store, cleanup } = await open());
    });
    afterEach(async () => cleanup());

    it('finds groups by id and uid, and lists them newest first with filters', async () => {
      await apply([created('g1', 1, fields('Gold Buyers')), created('g2', 2, fields('Silver', { type: 'conditional', conditions: [{ user_attribute_definition_id: 'd1', type: 'eq', value: 'x', key: 'k' }] }))]);
      expect((await store.groups.get(APP, 'g1'))?.uid).toBe(1);
      expect((await store.groups.getByUid(APP, 2))?.group_id).toBe('g2');
      expect(await store.groups.get('other-app', 'g1')).toBeNull();
      const page = { page_no: 1, page_size: 10 };
      expect((await store.groups.list({ application_id: APP, page })).items.map((g) => g.group_id)).toEqual(['g2', 'g1']);
      expect((await store.groups.list({ application_id: APP, name: 'GOLD', page })).items.map((g) => g.group_id)).toEqual(['g1']);
      expect((await store.groups.list({ application_id: APP, name: '%', page })).total).toBe(0);
      expect((await store.groups.list({ application_id: APP, type: 'conditional', status: 'completed', page })).items.map((g) => g.group_id)).toEqual(['g2']);
      expect((await store.groups.conditional(APP, 'd1')).map((g) => g.group_id)).toEqual(['g2']);
      expect(await store.groups.conditional(APP, 'd2')).toEqual([]);
    });

    it('answers membership both ways, the last change of a member winning, and the same events twice change nothing', async () => {
      const events = [
        created('g1', 1, fields('a')),
        created('g2', 2, fields('b')),
        members(groupMembersStream('g1'), 'g1', ['u1', 'u2']),
        members(groupMembersStream('g2'), 'g2', ['u1']),
        members(groupMembersStream('g1'), 'g1', [], ['u2']),
      ];
      await apply(events);
      await apply(events);
      expect(await store.groups.isMember(APP, 'g1', 'u1')).toBe(true);
      expect(await store.groups.isMember(APP, 'g1', 'u2')).toBe(false);
      expect(await store.groups.groupsOf(APP, 'u1')).toEqual(['g1', 'g2']);
      expect([...(await store.groups.membersAmong(APP, 'g1', ['u1', 'u2', 'u3']))]).toEqual(['u1']);
      expect(await store.groups.members(APP, 'g1')).toEqual(['u1']);
      expect(await store.groups.memberCount(APP, 'g2')).toBe(1);
    });

    it('follows a job from pending to completed and keeps its rejected rows for the report', async () => {
      const group = created('g1', 1, fields('a'));
      await apply([group, stored(groupStream('g1'), 'UserGroupJobQueued', { group_id: 'g1', application_id: APP, job_id: 'j1', kind: 'csv', file_url: 'http://x' })]);
      expect((await store.groups.get(APP, 'g1'))?.status).toBe('pending');
      const started = stored(groupStream('g1'), 'UserGroupJobStarted', { group_id: 'g1', application_id: APP, job_id: 'j1' });
      const batch = members(groupImportStream('j1'), 'g1', ['u1'], [], {
        source: { type: 'csv', job_id: 'j1' },
        rejected: [{ row: 2, column: 'email', value: 'x@y.z', reason: 'no such user' }],
        rows_through: 2,
      });
      const finished = stored(groupStream('g1'), 'UserGroupJobFinished', { group_id: 'g1', application_id: APP, job_id: 'j1', outcome: 'completed', rows: 2, error_count: 1 });
      await apply([started, batch, finished]);
      await apply([batch, finished]);
      expect(await store.groups.get(APP, 'g1')).toMatchObject({ status: 'completed', error_count: 1, error_job: 'j1' });
      expect(await store.groups.importErrors(APP, 'j1')).toEqual([{ job_id: 'j1', row: 2, column: 'email', value: 'x@y.z', reason: 'no such user' }]);
    });
  });
}
