import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupImportStream, groupMembersStream, groupStream } from '../../src/events/groupEvents.js';
import { rebuildSqliteProjection } from '../../src/projections/sqlite/rebuild.js';
import { importCsv } from '../../src/commands/group/csvImport.js';
import type { GroupJobDeps } from '../../src/commands/group/groupJob.js';
import type { EventStore } from '../../src/events/eventStore.js';
import { APP, COMPANY, OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';
import { eventually, startFileServer, type FileServer } from '../support/fileServer.js';
import { forgetImportReport } from '../../src/commands/group/handlers.js';

type Json = Record<string, unknown>;
type Group = Json & { _id: string; uid: number; status: string; error: { count: number; file_url: string } };

let t: TestService;
let token: string;
let files: FileServer;
let seq = 0;
const uniquePhone = () => `96${String(10_000_000 + (seq += 1)).padStart(8, '0')}`;
const P = () => t.platformBase;
const groups = () => `${P()}/user_group`;

async function customer(extra: Json = {}): Promise<{ id: string; phone: string; email: string }> {
  const phone = uniquePhone();
  const email = `g${(seq += 1)}@groups.example.com`;
  const res = await call('POST', `${P()}/customers`, token, { phone_number: phone, email, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: (res.body.user as { _id: string })._id, phone, email };
}
async function createGroup(body: Json): Promise<Group> {
  const res = await call('POST', groups(), token, { description: 'a group', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Group;
}
const getGroup = async (id: string | number) => (await call('GET', `${groups()}/${id}`, token)).body as Group;
const finished = (id: string) => eventually(() => getGroup(id), (g) => g.status === 'completed' || g.status === 'failed');
const isMember = async (groupId: string, userId: string) =>
  (await call('GET', `${groups()}/${groupId}/members/${userId}`, token)).body.is_member as boolean;
const patchJson = (groupId: string, user_data: Json[]) => call('PATCH', `${groups()}/${groupId}`, token, { type: 'json', user_data });

let users: Array<{ id: string; phone: string; email: string }> = [];
const csv = () => {
  const [a, b, c, d] = users;
  return [
    'email,phone_number,user_id,action',
    `${a?.email.toUpperCase()},,,add`,
    `,${b?.phone},,add`,
    `,,${c?.id},add`,
    'nobody@groups.example.com,,,add',
    `${d?.email},,,ADD`,
    `${a?.email},,,frobnicate`,
    `,,${b?.id},remove`,
  ].join('\n');
};

beforeAll(async () => {
  t = await startTestService({ GROUP_IMPORT_ALLOWED_HOSTS: '127.0.0.1', GROUP_IMPORT_BATCH_ROWS: '2' }, { jobTuning: { pollMs: 5, backoffMs: 10 } });
  token = await t.token();
  users = await Promise.all(Array.from({ length: 4 }, () => customer()));
  let cut = true;
  files = await startFileServer({
    '/members.csv': (_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(csv()),
    // The first download breaks off after five rows: the job is retried and must resume.
    '/flaky.csv': (_req, res) => {
      const body = csv();
      if (!cut) {
        res.writeHead(200, { 'content-type': 'text/csv' }).end(body);
        return;
      }
      cut = false;
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(body.length) });
      res.write(body.split('\n').slice(0, 6).join('\n') + '\n', () => res.destroy());
    },
    '/no-action.csv': 'email\nsomeone@example.com\n',
  });
});
afterAll(async () => {
  await files.close();
  await t.close();
});

describe('user groups', () => {
  it('creates a group with an ObjectId and a uid, and reads it back by either', async () => {
    const group = await createGroup({ name: 'VIP buyers', description: 'the best' });
    expect(group._id).toMatch(/^[0-9a-f]{24}$/);
    expect(group).toMatchObject({ name: 'VIP buyers', description: 'the best', type: 'bulk', status: 'completed', is_active: true, conditions: [], error: { count: 0, file_url: '' }, application_id: APP, __v: 0 });
    expect(await getGroup(group._id)).toEqual(group);
    expect(await getGroup(group.uid)).toEqual(group);
    expect((await call('GET', `${groups()}/999999`, token)).status).toBe(404);
    expect((await call('GET', `${groups()}/not-an-id`, token)).status).toBe(404);
  });

  it('gives concurrent creates distinct uids that increase in creation order', async () => {
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => createGroup({ name: `race ${i}` })));
    const uids = created.map((g) => g.uid).sort((a, b) => a - b);
    expect(new Set(uids).size).toBe(12);
    const first = uids[0] ?? 0;
    expect(uids).toEqual(Array.from({ length: 12 }, (_, i) => first + i));
    const counter = await t.service.eventStore.readStream(`userGroupUid-${APP}`);
    const order = counter.map((e) => (e.data as { uid: number }).uid);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('lists with name, type, status and uid filters and a page object', async () => {
    const a = await createGroup({ name: 'Filter Alpha' });
    await createGroup({ name: 'filter beta' });
    const byName = await call('GET', `${groups()}?name=FILTER&page_size=1&page_no=1`, token);
    expect(byName.status).toBe(200);
    expect((byName.body.items as Group[]).map((g) => g.name)).toEqual(['filter beta']);
    expect(byName.body.page).toMatchObject({ current: 1, size: 1, item_total: 2, has_next: true, type: 'number' });
    const byUid = await call('GET', `${groups()}?group_uid=${a.uid}`, token);
    expect((byUid.body.items as Group[]).map((g) => g._id)).toEqual([a._id]);
    const byType = await call('GET', `${groups()}?type=conditional&status=completed`, token);
    expect((byType.body.items as Group[]).every((g) => g.type === 'conditional')).toBe(true);
    const bad = await call('GET', `${groups()}?type=other&group_uid=x`, token);
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('query.type');
    expect(String(bad.body.message)).toContain('query.group_uid');
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = (await call('GET', groups(), token)).body.page as { item_total: number };
    const cases: Array<[Json, string]> = [
      [{ description: 'no name' }, 'body.name'],
      [{ name: 'x' }, 'body.description'],
      [{ name: 'x', description: 'y', type: 'smart' }, 'body.type'],
      [{ name: 'x', description: 'y', file_url: 'ftp://example.com/a.csv' }, 'body.file_url'],
      [{ name: 'x', description: 'y', type: 'conditional' }, 'body.conditions'],
      [{ name: 'x', description: 'y', conditions: [{ user_attribute_definition_id: '0123456789abcdef01234567', type: 'eq', value: 'a' }] }, 'body.conditions[0].user_attribute_definition_id'],
      [{ name: 'x', description: 'y', conditions: [{ user_attribute_definition_id: '0123456789abcdef01234567', type: 'like', value: 'a' }] }, 'body.conditions[0].type'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', groups(), token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body.message)).toContain(field);
    }
    expect(((await call('GET', groups(), token)).body.page as { item_total: number }).item_total).toBe(before.item_total);
    const group = await createGroup({ name: 'patch checks' });
    const unknownAction = await patchJson(group._id, [{ user_id: users[0]?.id, action: 'drop' }]);
    expect(unknownAction.status).toBe(400);
    expect(String(unknownAction.body.message)).toContain('body.user_data[0].action');
    const noUser = await patchJson(group._id, [{ action: 'add' }]);
    expect(String(noUser.body.message)).toContain('body.user_data[0]');
    const missing = await call('PATCH', `${groups()}/${group._id}`, token, { type: 'json' });
    expect(String(missing.body.message)).toContain('body.user_data');
    const noFile = await call('PATCH', `${groups()}/${group._id}`, token, {});
    expect(String(noFile.body.message)).toContain('body.file_url');
    const unknownUser = await patchJson(group._id, [{ user_id: users[0]?.id, action: 'add' }, { email: 'ghost@groups.example.com', action: 'add' }]);
    expect(unknownUser.status).toBe(400);
    expect(String(unknownUser.body.message)).toContain('body.user_data[1].email');
    expect(await isMember(group._id, users[0]?.id ?? '')).toBe(false);
  });

  it('adds and removes members by user_id, email and phone number, each change an event with its actor and source', async () => {
    const group = await createGroup({ name: 'json members' });
    const [a, b, c] = users;
    if (a === undefined || b === undefined || c === undefined) throw new Error('users missing');
    const res = await patchJson(group._id, [
      { user_id: a.id, action: 'add' },
      { email: b.email.toUpperCase(), action: 'add' },
      { phone_number: `+91 ${c.phone}`, action: 'add' },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await isMember(group._id, a.id)).toBe(true);
    expect(await isMember(String(group.uid), b.id)).toBe(true);
    expect(await isMember(group._id, c.id)).toBe(true);
    await patchJson(group._id, [{ phone_number: b.phone, action: 'remove' }]);
    expect(await isMember(group._id, b.id)).toBe(false);
    const ofA = await call('GET', `${P()}/customers/${a.id}/user_groups`, token);
    expect((ofA.body.items as Group[]).map((g) => g._id)).toContain(group._id);
    const changes = await t.service.eventStore.readStream(groupMembersStream(group._id));
    expect(changes.map((e) => e.data)).toMatchObject([
      { added: [a.id, b.id, c.id], removed: [], source: { type: 'json' } },
      { added: [], removed: [b.id], source: { type: 'json' } },
    ]);
    expect(changes[0]?.metadata.actor).toEqual({ type: 'platform_client', id: 'client-559' });
  });

  it('updates name and description with PUT and counts the change in __v', async () => {
    const group = await createGroup({ name: 'old name' });
    const res = await call('PUT', `${groups()}/${group.uid}`, token, { name: 'new name', description: 'new' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ _id: group._id, name: 'new name', description: 'new', __v: 1 });
    const toConditional = await call('PUT', `${groups()}/${group._id}`, token, { type: 'conditional' });
    expect(toConditional.status).toBe(400);
    expect(String(toConditional.body.message)).toContain('body.type');
  });

  it('keeps groups of one application out of another', async () => {
    const group = await createGroup({ name: 'private' });
    const otherToken = await t.token(OTHER_CLIENT, OTHER_COMPANY);
    const otherBase = `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}/user_group`;
    expect((await call('GET', `${otherBase}/${group._id}`, otherToken)).status).toBe(404);
  });
});

describe('CSV imports', () => {
  it('imports a CSV as a job: members added and removed, unknown rows counted and reported', async () => {
    const group = await createGroup({ name: 'from csv', file_url: files.url('/members.csv') });
    expect(['pending', 'in_progress', 'completed']).toContain(group.status);
    const done = await finished(group._id);
    expect(done.status).toBe('completed');
    const [a, b, c, d] = users;
    expect(await isMember(group._id, a?.id ?? '')).toBe(true);
    expect(await isMember(group._id, b?.id ?? '')).toBe(false);
    expect(await isMember(group._id, c?.id ?? '')).toBe(true);
    expect(await isMember(group._id, d?.id ?? '')).toBe(true);
    expect(done.error.count).toBe(2);
    const report = await fetch(done.error.file_url, { headers: { authorization: `Bearer ${token}` } });
    expect(report.status).toBe(200);
    const lines = (await report.text()).trim().split('\n');
    expect(lines[0]).toBe('row,column,value,reason');
    expect(lines.slice(1)).toEqual(['4,email,nobody@groups.example.com,no such user', '6,action,frobnicate,action must be add or remove']);
    expect((await fetch(done.error.file_url)).status).toBe(401);
    const batches = await t.service.eventStore.readStream(groupImportStream(done.error.file_url.split('/jobs/')[1]?.split('/')[0] ?? ''));
    expect(batches.every((e) => (e.data as { source: { type: string } }).source.type === 'csv')).toBe(true);
    expect(batches[0]?.metadata.actor).toEqual({ type: 'platform_client', id: 'client-559' });
  });

  it('keeps rejected rows sealed in the log, and forgets them on request, in the report and on rebuild', async () => {
    const group = await createGroup({ name: 'forgettable report', file_url: files.url('/members.csv') });
    const done = await finished(group._id);
    const jobId = done.error.file_url.split('/jobs/')[1]?.split('/')[0] ?? '';
    const rawLog = () => JSON.stringify(t.service.db.prepare("SELECT data, metadata FROM events WHERE stream LIKE 'userGroupImport-%'").all());
    expect(rawLog()).not.toContain('nobody@groups.example.com');
    const report = async () => (await (await fetch(done.error.file_url, { headers: { authorization: `Bearer ${token}` } })).text()).trim().split('\n');
    expect(await report()).toContain('4,email,nobody@groups.example.com,no such user');

    const context = { name: 'forgetImportReport', commandId: `forget-${jobId}`, metadata: { company_id: COMPANY, application_id: APP, actor: { type: 'platform_client' as const, id: 'operator' }, correlation_id: 'c' } };
    await forgetImportReport({ ...t.service.commands, keys: t.service.eventStore.keys }, context, group._id, jobId, 'retention period over');
    expect(await report()).toEqual(['row,column,value,reason', '4,email,[erased],no such user', '6,action,[erased],action must be add or remove']);
    const batches = await t.service.eventStore.readStream(groupImportStream(jobId));
    expect(JSON.stringify(batches.map((b) => b.data))).not.toContain('nobody@groups.example.com');
    rebuildSqliteProjection(t.service.db, t.service.eventStore, 'groups');
    expect(await report()).toContain('4,email,[erased],no such user');
    const forgotten = (await t.service.eventStore.readStream(`userGroup-${group._id}`)).at(-1);
    expect(forgotten).toMatchObject({ type: 'UserGroupImportReportForgotten', data: { job_id: jobId, reason: 'retention period over' }, metadata: { actor: { id: 'operator' } } });
    // Members imported by the job stay members: only what the rejected rows quoted is gone.
    expect(await isMember(group._id, users[0]?.id ?? '')).toBe(true);
  });

  it('resumes an import whose download broke off, adding nobody twice and reporting each bad row once', async () => {
    const group = await createGroup({ name: 'flaky csv', file_url: files.url('/flaky.csv') });
    const done = await finished(group._id);
    expect(done.status).toBe('completed');
    expect(files.hits.get('/flaky.csv')).toBe(2);
    expect(done.error.count).toBe(2);
    const queued = (await t.service.eventStore.readStream(groupStream(group._id))).find((e) => e.type === 'UserGroupJobQueued');
    const jobId = (queued?.data as { job_id: string }).job_id;
    const batches = (await t.service.eventStore.readStream(groupImportStream(jobId))).map(
      (e) => e.data as { added: string[]; rejected?: Array<{ row: number }>; rows_through: number },
    );
    const added = batches.flatMap((b) => b.added);
    expect(new Set(added).size).toBe(added.length);
    const rows = batches.flatMap((b) => b.rejected ?? []).map((r) => r.row);
    expect(rows).toEqual([4, 6]);
    const through = batches.map((b) => b.rows_through);
    expect(through).toEqual([...through].sort((x, y) => x - y));
    expect(new Set(through).size).toBe(through.length);
    expect(await isMember(group._id, users[3]?.id ?? '')).toBe(true);
  });

  it('resumes a run that died between batches after the last batch it wrote, adding nobody twice', async () => {
    const created = await createGroup({ name: 'crashing import' });
    const real = t.service.eventStore;
    let batches = 0;
    // The process "dies" on its third batch: two are in the log, the third never reaches it.
    const dying: EventStore = Object.assign(Object.create(real) as EventStore, {
      append: async (requests: Parameters<EventStore['append']>[0]) => {
        if (requests.some((r) => r.stream.startsWith('userGroupImport-')) && (batches += 1) > 2) throw new Error('simulated crash');
        return real.append(requests);
      },
    });
    const deps = (store: EventStore): GroupJobDeps => ({
      commands: { ...t.service.commands, store },
      groups: t.service.readStore.groups,
      customers: t.service.readStore.customers,
      definitions: t.service.readStore.attributeDefinitions,
      values: t.service.readStore.userAttributes,
      limits: { allowedHosts: ['127.0.0.1'], maxBytes: 1_000_000, timeoutMs: 10_000 },
      batchSize: 2,
      reportDays: 30,
    });
    const payload = {
      group_id: created._id,
      application_id: APP,
      company_id: COMPANY,
      job_id: 'crash-job-1',
      kind: 'csv' as const,
      file_url: files.url('/members.csv'),
      actor: { type: 'platform_client' as const, id: 'client-559' },
    };
    await expect(importCsv(deps(dying), payload)).rejects.toThrow('simulated crash');
    expect(await importCsv(deps(real), payload)).toEqual({ rows: 7, error_count: 2 });
    const written = (await real.readStream(groupImportStream('crash-job-1'))).map(
      (e) => e.data as { added: string[]; removed: string[]; rejected?: Array<{ row: number }>; rows_through: number },
    );
    expect(written.map((b) => b.rows_through)).toEqual([2, 4, 6, 7]);
    const added = written.flatMap((b) => b.added);
    expect(added.sort()).toEqual([users[0]?.id, users[1]?.id, users[2]?.id, users[3]?.id].map(String).sort());
    expect(written.flatMap((b) => b.removed)).toEqual([users[1]?.id]);
    expect(written.flatMap((b) => b.rejected ?? []).map((r) => r.row)).toEqual([4, 6]);
  });

  it('refuses private and loopback addresses not allowed by the operator, before queueing anything', async () => {
    for (const url of ['http://10.1.2.3/a.csv', 'http://127.0.0.2:9/a.csv', 'http://[::1]/a.csv', 'http://169.254.169.254/latest']) {
      const res = await call('POST', groups(), token, { name: 'ssrf', description: 'x', file_url: url });
      expect(res.status, url).toBe(400);
      expect(String(res.body.message)).toMatch(/body\.file_url: .*private or loopback/);
    }
    const group = await createGroup({ name: 'ssrf patch' });
    const patched = await call('PATCH', `${groups()}/${group._id}`, token, { type: 'file_url', file_url: 'http://192.168.0.10/a.csv' });
    expect(patched.status).toBe(400);
  });

  it('fails the group when the file lacks the columns, with the reason on the job event', async () => {
    const group = await createGroup({ name: 'bad file' });
    const res = await call('PATCH', `${groups()}/${group._id}`, token, { file_url: files.url('/no-action.csv') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await finished(group._id);
    expect(done.status).toBe('failed');
    const finish = (await t.service.eventStore.readStream(groupStream(group._id))).find((e) => e.type === 'UserGroupJobFinished');
    expect((finish?.data as { reason: string }).reason).toContain('action');
  });
});

describe('rebuilding the groups read model', () => {
  it('rebuilds groups, members and reports from the log into the same answers', async () => {
    const before = await call('GET', `${groups()}?page_size=500`, token);
    const memberships = await Promise.all(users.map((u) => call('GET', `${P()}/customers/${u.id}/user_groups`, token)));
    rebuildSqliteProjection(t.service.db, t.service.eventStore, 'groups');
    expect((await call('GET', `${groups()}?page_size=500`, token)).body).toEqual(before.body);
    const after = await Promise.all(users.map((u) => call('GET', `${P()}/customers/${u.id}/user_groups`, token)));
    expect(after.map((r) => r.body)).toEqual(memberships.map((r) => r.body));
    expect(memberships.some((r) => (r.body.items as unknown[]).length > 0)).toBe(true);
  });
});
