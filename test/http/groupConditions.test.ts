import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMembersStream } from '../../src/events/groupEvents.js';
import { call, startTestService, type TestService } from '../support/testService.js';
import { eventually, startFileServer, type FileServer } from '../support/fileServer.js';

type Json = Record<string, unknown>;
type Group = Json & { _id: string; uid: number; status: string; error: { count: number } };
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let seq = 0;
const uniquePhone = () => `95${String(10_000_000 + (seq += 1)).padStart(8, '0')}`;

function helpers(t: TestService, token: string) {
  const P = t.platformBase;
  return {
    async customer(): Promise<string> {
      const res = await call('POST', `${P}/customers`, token, { phone_number: uniquePhone() });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.user as { _id: string })._id;
    },
    async define(body: Json): Promise<string> {
      const res = await call('POST', `${P}/user_attribute/definition`, token, { name: 'Attribute', slug: `attr_${(seq += 1)}`, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body as { _id: string })._id;
    },
    async set(definitionId: string, userId: string, value: unknown) {
      const res = await call('PUT', `${P}/user_attribute/definition/${definitionId}/user/${userId}`, token, { attribute: { value } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    },
    async create(body: Json): Promise<Group> {
      const res = await call('POST', `${P}/user_group`, token, { description: 'd', ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as Group;
    },
    get: async (id: string) => (await call('GET', `${P}/user_group/${id}`, token)).body as Group,
    member: async (groupId: string, userId: string) => (await call('GET', `${P}/user_group/${groupId}/members/${userId}`, token)).body.is_member as boolean,
  };
}

describe('condition groups', () => {
  let t: TestService;
  let h: ReturnType<typeof helpers>;
  beforeAll(async () => {
    t = await startTestService({}, { jobTuning: { pollMs: 5, backoffMs: 10 } });
    h = helpers(t, await t.token());
  });
  afterAll(async () => t.close());

  it('holds the users whose attributes match, and follows their values as they change', async () => {
    const tier = await h.define({ type: 'string' });
    const spend = await h.define({ type: 'number' });
    const [gold, silver, goldLow, later] = [await h.customer(), await h.customer(), await h.customer(), await h.customer()];
    await h.set(tier, gold, 'gold');
    await h.set(spend, gold, 500);
    await h.set(tier, silver, 'silver');
    await h.set(spend, silver, 900);
    await h.set(tier, goldLow, 'gold');
    await h.set(spend, goldLow, 10);
    const group = await h.create({
      name: 'gold spenders',
      type: 'conditional',
      conditions: [
        { user_attribute_definition_id: tier, type: 'eq', value: 'gold' },
        { user_attribute_definition_id: spend, type: 'gte', value: '100' },
      ],
    });
    expect(group.conditions).toMatchObject([{ user_attribute_definition_id: tier, type: 'eq', value: 'gold', key: expect.stringMatching(/^attr_/) }, { type: 'gte', value: '100' }]);
    const done = await eventually(() => h.get(group._id), (g) => g.status === 'completed');
    expect(done.status).toBe('completed');
    expect([await h.member(group._id, gold), await h.member(group._id, silver), await h.member(group._id, goldLow)]).toEqual([true, false, false]);

    await h.set(spend, goldLow, 150);
    await eventually(() => h.member(group._id, goldLow), (m) => m);
    await h.set(tier, gold, 'silver');
    await eventually(() => h.member(group._id, gold), (m) => !m);
    await h.set(tier, later, 'gold');
    await h.set(spend, later, 1000);
    await eventually(() => h.member(group._id, later), (m) => m);

    const changes = (await t.service.eventStore.readStream(groupMembersStream(group._id))).map((e) => ({ data: e.data as Json, actor: e.metadata.actor }));
    expect(changes.every((c) => (c.data.source as { type: string }).type === 'condition')).toBe(true);
    expect(changes.at(-1)?.actor).toEqual({ type: 'system', id: 'group-conditions' });
    expect(changes[0]?.data).toMatchObject({ added: [gold], removed: [] });
  });

  it('refuses conditions that do not fit the definition, naming the condition', async () => {
    const spend = await h.define({ type: 'number' });
    const res = await call('POST', `${t.platformBase}/user_group`, await t.token(), {
      name: 'bad',
      description: 'd',
      conditions: [{ user_attribute_definition_id: spend, type: 'cnt', value: 'abc' }],
    });
    expect(res.status).toBe(400);
    expect(String(res.body.message)).toContain('body.conditions[0].type');
    const json = await call('PATCH', `${t.platformBase}/user_group/${(await h.create({ name: 'c', conditions: [{ user_attribute_definition_id: spend, type: 'gt', value: '1' }] }))._id}`, await t.token(), {
      type: 'json',
      user_data: [{ user_id: '0123456789abcdef01234567', action: 'add' }],
    });
    expect(json.status).toBe(400);
    expect(String(json.body.message)).toContain('body.type');
  });
});

describe('CSV import on BullMQ (Redis)', () => {
  let t: TestService;
  let files: FileServer;
  const database = `test_groups_${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    t = await startTestService({ REDIS_URL, MONGODB_DATABASE: database, GROUP_IMPORT_ALLOWED_HOSTS: '127.0.0.0/8' }, { jobTuning: { backoffMs: 10 } });
  });
  afterAll(async () => {
    await files.close();
    await t.close();
    const queue = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: `user-service:${database}` });
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('runs the import on the BullMQ worker through to completed', async () => {
    const h = helpers(t, await t.token());
    const users = [await h.customer(), await h.customer()];
    files = await startFileServer({ '/bull.csv': `user_id,action\n${users[0]},add\n${users[1]},add\n0123456789abcdef01234567,add\n` });
    const group = await h.create({ name: 'bull', file_url: files.url('/bull.csv') });
    const done = await eventually(() => h.get(group._id), (g) => g.status === 'completed' || g.status === 'failed');
    expect(done).toMatchObject({ status: 'completed', error: { count: 1 } });
    expect(await h.member(group._id, users[0] ?? '')).toBe(true);
    expect(await h.member(group._id, users[1] ?? '')).toBe(true);
  });
});
