import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttributeDefinitionFields } from '../../src/events/attributeDefinitionEvents.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { parseAttributeConditions, type RawCondition } from '../../src/projections/attributes/attributeFilter.js';
import type { ReadStore } from '../../src/projections/readStore.js';
import type { ReadStoreUnderTest } from './readStoreSuite.js';
import { TestLog } from '../support/eventLog.js';

const APP = 'app-attributes';
const log = new TestLog(APP);

const stored = (stream: string, type: string, data: unknown, actor = 'client-1'): StoredEvent =>
  log.event(stream, type, data, { type: 'platform_client', id: actor });

const fields = (slug: string, type: AttributeDefinitionFields['type'], extra: Partial<AttributeDefinitionFields> = {}): AttributeDefinitionFields => ({
  name: `Name of ${slug}`,
  slug,
  description: '',
  type,
  is_multi_value: false,
  customer_editable: false,
  encrypted: false,
  pinned: false,
  validations: [],
  is_locked: false,
  ordering_channels: [],
  ...extra,
});
const defCreated = (id: string, definition: AttributeDefinitionFields) =>
  stored(`attributeDefinition-${id}`, 'AttributeDefinitionCreated', { definition_id: id, application_id: APP, company_id: '559', definition });
const defUpdated = (id: string, definition: AttributeDefinitionFields, changed: string[]) =>
  stored(`attributeDefinition-${id}`, 'AttributeDefinitionUpdated', { definition_id: id, application_id: APP, definition, changed });
const defDeleted = (id: string, slug: string) =>
  stored(`attributeDefinition-${id}`, 'AttributeDefinitionDeleted', { definition_id: id, application_id: APP, slug, values_deleted: 0 });
const valueSet = (definitionId: string, userId: string, value: unknown, extra: Record<string, unknown> = {}) =>
  stored(`userAttribute-${definitionId}-${userId}`, 'UserAttributeSet', {
    attribute_id: `${definitionId}.${userId}`,
    application_id: APP,
    definition_id: definitionId,
    user_id: userId,
    value,
    encrypted: false,
    customer_overridden: false,
    ...extra,
  });
const valueDeleted = (definitionId: string, userId: string) =>
  stored(`userAttribute-${definitionId}-${userId}`, 'UserAttributeDeleted', {
    attribute_id: `${definitionId}.${userId}`,
    application_id: APP,
    definition_id: definitionId,
    user_id: userId,
    reason: 'deleted',
  });

/** The attribute read models' behaviours, which every read-store adapter must show alike. */
export function attributeReadStoreConformance(name: string, open: () => Promise<ReadStoreUnderTest>, skipBecause?: string): void {
  describe.skipIf(skipBecause !== undefined)(`attribute read models: ${name}${skipBecause === undefined ? '' : ` (skipped: ${skipBecause})`}`, () => {
    let subject: ReadStoreUnderTest;
    let store: ReadStore;
    const apply = async (events: StoredEvent[]) => {
      for (const projection of store.projections) {
        await projection.apply(events.filter((e) => projection.streamPrefixes.some((p) => e.stream.startsWith(p))));
      }
    };
    const users = async (combine: 'and' | 'or', conditions: RawCondition[], page = { page_no: 1, page_size: 50 }, userIds?: string[]) => {
      const definitions = await store.attributeDefinitions.getMany(APP, conditions.map((c) => c.definition_id));
      const parsed = parseAttributeConditions(conditions, new Map(definitions.map((d) => [d.definition_id, d])));
      return store.userAttributes.filterUsers({ application_id: APP, combine, conditions: parsed, page, ...(userIds === undefined ? {} : { user_ids: userIds }) });
    };
    const ids = async (conditions: RawCondition[], combine: 'and' | 'or' = 'and') => (await users(combine, conditions)).user_ids;

    beforeEach(async () => {
      subject = await open();
      store = subject.readStore;
      log.restartStreams();
    });
    afterEach(async () => subject.cleanup());

    it('lists definitions newest first, by every filter, with a total', async () => {
      await apply([
        defCreated('d1', fields('tier', 'string', { pinned: true, pin_order: 1, customer_editable: true })),
        defCreated('d2', fields('age', 'number', { encrypted: true })),
        defCreated('d3', fields('birthday', 'date', { is_locked: true, name: 'Birth DAY' })),
      ]);
      const list = async (filters: Record<string, unknown>, page = { page_no: 1, page_size: 10 }) =>
        (await store.attributeDefinitions.list({ application_id: APP, ...filters, page })).items.map((d) => d.definition_id);
      expect(await list({})).toEqual(['d3', 'd2', 'd1']);
      expect(await list({ slug: 'age' })).toEqual(['d2']);
      expect(await list({ type: 'date' })).toEqual(['d3']);
      expect(await list({ customer_editable: true })).toEqual(['d1']);
      expect(await list({ encrypted: true })).toEqual(['d2']);
      expect(await list({ encrypted: false })).toEqual(['d3', 'd1']);
      expect(await list({ pinned: true, pin_order: 1 })).toEqual(['d1']);
      expect(await list({ is_locked: true })).toEqual(['d3']);
      expect(await list({ name: 'th d' })).toEqual(['d3']);
      expect(await list({ name: '.*' })).toEqual([]);
      expect(await list({ excluding_ids: ['d1', 'd3'] })).toEqual(['d2']);
      const page = await store.attributeDefinitions.list({ application_id: APP, page: { page_no: 2, page_size: 2 } });
      expect(page).toMatchObject({ total: 3, items: [expect.objectContaining({ definition_id: 'd1' })] });
      expect(await store.attributeDefinitions.get('another-app', 'd1')).toBeNull();
      expect(await store.attributeDefinitions.get(APP, 'd1')).toMatchObject({ slug: 'tier', created_by: 'client-1', revision: 0 });
    });

    it('keeps values by user and definition and by their own id, newest first', async () => {
      await apply([defCreated('d1', fields('tier', 'string')), defCreated('d2', fields('age', 'number'))]);
      await apply([valueSet('d1', 'u1', 'gold'), valueSet('d2', 'u1', 30), valueSet('d1', 'u2', 'silver')]);
      expect(await store.userAttributes.get(APP, 'd1', 'u1')).toMatchObject({ attribute_id: 'd1.u1', value: 'gold', deleted: false });
      expect(await store.userAttributes.getById(APP, 'd2.u1')).toMatchObject({ definition_id: 'd2', user_id: 'u1', value: 30 });
      expect(await store.userAttributes.getById('another-app', 'd2.u1')).toBeNull();
      const listed = await store.userAttributes.listForUser(APP, 'u1', { page_no: 1, page_size: 1 });
      expect(listed.total).toBe(2);
      expect(listed.items.map((v) => v.definition_id)).toEqual(['d2']);
      expect((await store.userAttributes.ofUsers(APP, ['u1', 'u2'], ['d1'])).map((v) => v.user_id).sort()).toEqual(['u1', 'u2']);
      expect(await store.userAttributes.hasValues(APP, 'd2')).toBe(true);
      expect((await store.userAttributes.ofDefinition(APP, 'd1')).length).toBe(2);
    });

    it('applying the same events twice changes nothing', async () => {
      const events = [
        defCreated('d1', fields('tier', 'string')),
        valueSet('d1', 'u1', 'gold'),
        valueSet('d1', 'u1', 'silver'),
        valueDeleted('d1', 'u1'),
        valueSet('d1', 'u2', 'gold'),
      ];
      await apply(events);
      await apply(events);
      await apply(events.slice(0, 2));
      expect(await store.userAttributes.get(APP, 'd1', 'u1')).toBeNull();
      expect(await store.userAttributes.get(APP, 'd1', 'u2')).toMatchObject({ value: 'gold', revision: 0 });
      expect(await ids([{ definition_id: 'd1', type: 'eq', value: 'gold' }])).toEqual(['u2']);
      expect(await ids([{ definition_id: 'd1', type: 'eq', value: 'silver' }])).toEqual([]);
    });

    it('follows definition changes, and a deleted definition takes its values, even late ones, with it', async () => {
      await apply([defCreated('d1', fields('tier', 'string')), valueSet('d1', 'u1', 'gold'), valueSet('d1', 'u2', 'gold')]);
      await apply([defUpdated('d1', fields('tier', 'string', { name: 'Renamed' }), ['name'])]);
      expect(await store.attributeDefinitions.get(APP, 'd1')).toMatchObject({ name: 'Renamed', revision: 1 });
      await apply([defDeleted('d1', 'tier'), valueSet('d1', 'u3', 'gold')]);
      expect(await store.attributeDefinitions.get(APP, 'd1')).toBeNull();
      expect(await store.userAttributes.get(APP, 'd1', 'u1')).toBeNull();
      expect(await store.userAttributes.get(APP, 'd1', 'u3')).toBeNull();
      expect(await store.userAttributes.hasValues(APP, 'd1')).toBe(false);
      expect((await store.userAttributes.listForUser(APP, 'u1', { page_no: 1, page_size: 10 })).total).toBe(0);
      const query = { application_id: APP, combine: 'and' as const, page: { page_no: 1, page_size: 10 } };
      const match = { op: 'eq' as const, column: 'text' as const, value: 'gold' };
      expect((await store.userAttributes.filterUsers({ ...query, conditions: [{ definition_id: 'd1', multi: false, negate: false, match }] })).total).toBe(0);
    });

    it('never indexes encrypted values', async () => {
      await apply([defCreated('d1', fields('secret', 'string', { encrypted: true })), valueSet('d1', 'u1', 'enc:v1:abc', { encrypted: true })]);
      const match = { op: 'eq' as const, column: 'text' as const, value: 'enc:v1:abc' };
      const result = await store.userAttributes.filterUsers({
        application_id: APP,
        combine: 'and',
        conditions: [{ definition_id: 'd1', multi: false, negate: false, match }],
        page: { page_no: 1, page_size: 10 },
      });
      expect(result.total).toBe(0);
      expect(await store.userAttributes.get(APP, 'd1', 'u1')).toMatchObject({ value: 'enc:v1:abc', encrypted: true });
    });

    it('pages a broad match in user-id order, as a narrow one, with exact totals', async () => {
      await apply([defCreated('n', fields('n', 'number')), defCreated('m', fields('m', 'string', { is_multi_value: true }))]);
      const userIds = Array.from({ length: 40 }, (_, i) => `w${String(i).padStart(2, '0')}`);
      await apply(userIds.flatMap((u, i) => [valueSet('n', u, i % 4), valueSet('m', u, i % 2 === 0 ? ['x', 'x', 'y'] : ['y'])]));
      const pages = async (condition: RawCondition, size: number) => {
        const seen: string[] = [];
        for (let page = 1; ; page += 1) {
          const result = await users('and', [condition], { page_no: page, page_size: size });
          seen.push(...result.user_ids);
          if (result.user_ids.length < size) return { seen, total: result.total };
        }
      };
      expect(await pages({ definition_id: 'n', type: 'gte', value: 0 }, 3)).toEqual({ seen: userIds, total: 40 });
      expect(await pages({ definition_id: 'n', type: 'eq', value: 1 }, 4)).toEqual({ seen: userIds.filter((_, i) => i % 4 === 1), total: 10 });
      expect(await pages({ definition_id: 'm', type: 'eq', value: 'y' }, 7)).toEqual({ seen: userIds, total: 40 });
      expect(await pages({ definition_id: 'm', type: 'eq', value: 'x' }, 3)).toEqual({ seen: userIds.filter((_, i) => i % 2 === 0), total: 20 });
      expect(await pages({ definition_id: 'm', type: 'in', value: ['x', 'y'] }, 6)).toEqual({ seen: userIds, total: 40 });
      expect(await pages({ definition_id: 'n', type: 'ne', value: 1 }, 3)).toEqual({ seen: userIds.filter((_, i) => i % 4 !== 1), total: 30 });
      expect(await pages({ definition_id: 'n', type: 'nin', value: [0, 1, 2] }, 50)).toEqual({ seen: userIds.filter((_, i) => i % 4 === 3), total: 10 });
      expect(await pages({ definition_id: 'm', type: 'ne', value: 'x' }, 3)).toEqual({ seen: userIds.filter((_, i) => i % 2 === 1), total: 20 });
    });

    describe('filtering users by attribute values', () => {
      beforeEach(async () => {
        await apply([
          defCreated('tier', fields('tier', 'string')),
          defCreated('age', fields('age', 'number')),
          defCreated('vip', fields('vip', 'boolean')),
          defCreated('born', fields('born', 'date')),
          defCreated('tags', fields('tags', 'string', { is_multi_value: true })),
        ]);
        await apply([
          valueSet('tier', 'u1', 'Gold'),
          valueSet('tier', 'u2', 'silver'),
          valueSet('tier', 'u3', 'gold-plus'),
          valueSet('age', 'u1', 17),
          valueSet('age', 'u2', 18),
          valueSet('age', 'u3', 65),
          valueSet('age', 'u4', 40),
          valueSet('vip', 'u1', true),
          valueSet('vip', 'u2', false),
          valueSet('born', 'u1', '1990-05-01'),
          valueSet('born', 'u2', '2000-01-01'),
          valueSet('tags', 'u1', ['a', 'b', 'b']),
          valueSet('tags', 'u2', ['c']),
        ]);
      });

      it('compares text exactly, and matches contains / starts / ends case-insensitively', async () => {
        expect(await ids([{ definition_id: 'tier', type: 'eq', value: 'Gold' }])).toEqual(['u1']);
        expect(await ids([{ definition_id: 'tier', type: 'is', value: 'gold' }])).toEqual([]);
        expect(await ids([{ definition_id: 'tier', type: 'ne', value: 'Gold' }])).toEqual(['u2', 'u3']);
        expect(await ids([{ definition_id: 'tier', type: 'nis', value: 'silver' }])).toEqual(['u1', 'u3']);
        expect(await ids([{ definition_id: 'tier', type: 'cnt', value: 'GOLD' }])).toEqual(['u1', 'u3']);
        expect(await ids([{ definition_id: 'tier', type: 'nct', value: 'old' }])).toEqual(['u2']);
        expect(await ids([{ definition_id: 'tier', type: 'sw', value: 'gold-' }])).toEqual(['u3']);
        expect(await ids([{ definition_id: 'tier', type: 'ew', value: 'ER' }])).toEqual(['u2']);
        expect(await ids([{ definition_id: 'tier', type: 'in', value: ['silver', 'gold-plus'] }])).toEqual(['u2', 'u3']);
        expect(await ids([{ definition_id: 'tier', type: 'nin', value: ['silver', 'gold-plus'] }])).toEqual(['u1']);
      });

      it('compares numbers, dates and booleans by value', async () => {
        expect(await ids([{ definition_id: 'age', type: 'gt', value: 18 }])).toEqual(['u3', 'u4']);
        expect(await ids([{ definition_id: 'age', type: 'gte', value: 18 }])).toEqual(['u2', 'u3', 'u4']);
        expect(await ids([{ definition_id: 'age', type: 'lt', value: 18 }])).toEqual(['u1']);
        expect(await ids([{ definition_id: 'age', type: 'lte', value: 18 }])).toEqual(['u1', 'u2']);
        expect(await ids([{ definition_id: 'age', type: 'btw', value: [18, 40] }])).toEqual(['u2', 'u4']);
        expect(await ids([{ definition_id: 'age', type: 'eq', value: 65 }])).toEqual(['u3']);
        expect(await ids([{ definition_id: 'age', type: 'nin', value: [17, 65] }])).toEqual(['u2', 'u4']);
        expect(await ids([{ definition_id: 'born', type: 'lt', value: '1999-12-31' }])).toEqual(['u1']);
        expect(await ids([{ definition_id: 'vip', type: 'is', value: true }])).toEqual(['u1']);
        expect(await ids([{ definition_id: 'vip', type: 'ne', value: true }])).toEqual(['u2']);
      });

      it('matches a multi-value when any element matches, and negates when none does', async () => {
        expect(await users('and', [{ definition_id: 'tags', type: 'eq', value: 'b' }])).toEqual({ user_ids: ['u1'], total: 1 });
        expect(await ids([{ definition_id: 'tags', type: 'in', value: ['b', 'c'] }])).toEqual(['u1', 'u2']);
        expect((await users('and', [{ definition_id: 'tags', type: 'in', value: ['a', 'b'] }])).total).toBe(1);
        expect(await ids([{ definition_id: 'tags', type: 'ne', value: 'a' }])).toEqual(['u2']);
        expect(await ids([{ definition_id: 'tags', type: 'nin', value: ['a', 'c'] }])).toEqual([]);
      });

      it('combines conditions with AND and OR; users without a value match no condition', async () => {
        expect(
          await ids([
            { definition_id: 'age', type: 'gte', value: 18 },
            { definition_id: 'tier', type: 'cnt', value: 'gold' },
          ]),
        ).toEqual(['u3']);
        expect(
          await ids(
            [
              { definition_id: 'vip', type: 'is', value: true },
              { definition_id: 'age', type: 'gt', value: 60 },
            ],
            'or',
          ),
        ).toEqual(['u1', 'u3']);
        expect(
          await ids([
            { definition_id: 'tier', type: 'ne', value: 'silver' },
            { definition_id: 'age', type: 'gt', value: 0 },
          ]),
        ).toEqual(['u1', 'u3']);
      });

      it('pages by user id with the total, and narrows to given users', async () => {
        const second = await users('and', [{ definition_id: 'age', type: 'gt', value: 0 }], { page_no: 2, page_size: 3 });
        expect(second).toEqual({ user_ids: ['u4'], total: 4 });
        const beyond = await users('and', [{ definition_id: 'age', type: 'gt', value: 0 }], { page_no: 5, page_size: 3 });
        expect(beyond).toEqual({ user_ids: [], total: 4 });
        const narrowed = await users('and', [{ definition_id: 'age', type: 'gt', value: 0 }], { page_no: 1, page_size: 10 }, ['u2', 'u9']);
        expect(narrowed).toEqual({ user_ids: ['u2'], total: 1 });
        expect((await users('and', [{ definition_id: 'age', type: 'gt', value: 0 }], { page_no: 1, page_size: 10 }, [])).total).toBe(0);
      });

      it('follows a changed value and a deleted one', async () => {
        await apply([valueSet('tier', 'u2', 'Gold'), valueDeleted('tier', 'u1'), valueSet('age', 'u4', 17)]);
        expect(await users('and', [{ definition_id: 'tier', type: 'eq', value: 'Gold' }])).toEqual({ user_ids: ['u2'], total: 1 });
        expect(await users('and', [{ definition_id: 'tier', type: 'eq', value: 'silver' }])).toEqual({ user_ids: [], total: 0 });
        expect(await users('and', [{ definition_id: 'age', type: 'eq', value: 17 }])).toEqual({ user_ids: ['u1', 'u4'], total: 2 });
        expect((await users('and', [{ definition_id: 'age', type: 'lt', value: 40 }])).total).toBe(3);
        expect((await users('and', [{ definition_id: 'tier', type: 'in', value: ['Gold', 'gold-plus', 'silver'] }])).total).toBe(2);
      });

      it('follows a multi-value that loses, gains and reorders elements, and a value set again after its deletion', async () => {
        await apply([valueSet('tags', 'u1', ['b']), valueSet('tags', 'u2', ['a', 'c', 'd'])]);
        expect(await users('and', [{ definition_id: 'tags', type: 'eq', value: 'a' }])).toEqual({ user_ids: ['u2'], total: 1 });
        expect(await users('and', [{ definition_id: 'tags', type: 'eq', value: 'b' }])).toEqual({ user_ids: ['u1'], total: 1 });
        expect(await ids([{ definition_id: 'tags', type: 'eq', value: 'd' }])).toEqual(['u2']);
        expect(await ids([{ definition_id: 'tags', type: 'nin', value: ['a'] }])).toEqual(['u1']);
        await apply([valueSet('tags', 'u2', ['c'])]);
        expect(await ids([{ definition_id: 'tags', type: 'in', value: ['a', 'd'] }])).toEqual([]);
        expect(await users('and', [{ definition_id: 'tags', type: 'eq', value: 'c' }])).toEqual({ user_ids: ['u2'], total: 1 });
        await apply([valueDeleted('age', 'u3')]);
        expect(await ids([{ definition_id: 'age', type: 'gt', value: 60 }])).toEqual([]);
        await apply([valueSet('age', 'u3', 70)]);
        expect(await users('and', [{ definition_id: 'age', type: 'gt', value: 60 }])).toEqual({ user_ids: ['u3'], total: 1 });
        expect((await users('and', [{ definition_id: 'age', type: 'ne', value: 70 }])).total).toBe(3);
      });
    });
  });
}
