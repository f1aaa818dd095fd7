import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeDefinitionStream } from '../../src/events/attributeDefinitionEvents.js';
import { userAttributeStream } from '../../src/events/userAttributeEvents.js';
import { SQLITE_FILE } from '../../src/main.js';
import { rebuildSqliteProjection } from '../../src/projections/sqlite/rebuild.js';
import { APP, CLIENT, OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';

let t: TestService;
let token: string;
let seq = 0;
const uniquePhone = () => `97${String(10_000_000 + (seq += 1)).padStart(8, '0')}`;
const uniqueSlug = (base: string) => `${base}_${(seq += 1)}`;
type Json = Record<string, unknown>;

const P = () => t.platformBase;
const definitions = () => `${P()}/user_attribute/definition`;
const valueUrl = (definitionId: string, userId: string) => `${P()}/user_attribute/definition/${definitionId}/user/${userId}`;

async function customer(extra: Json = {}): Promise<string> {
  const res = await call('POST', `${P()}/customers`, token, { phone_number: uniquePhone(), ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.user as { _id: string })._id;
}
async function define(body: Json): Promise<Json & { _id: string }> {
  const res = await call('POST', definitions(), token, { name: 'Attribute', ...body, slug: body.slug ?? uniqueSlug('attr') });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Json & { _id: string };
}
const put = (definitionId: string, userId: string, value: unknown, extra: Json = {}) =>
  call('PUT', valueUrl(definitionId, userId), token, { attribute: { value }, ...extra });
async function putOk(definitionId: string, userId: string, value: unknown) {
  const res = await put(definitionId, userId, value);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Json & { _id: string };
}
const filter = (query: Json) => call('POST', `${P()}/user_attribute/users`, token, { query: { type: 'and', page: 1, limit: 10, ...query } });
const events = async (stream: string) => t.service.eventStore.readStream(stream);

beforeAll(async () => {
  t = await startTestService();
  token = await t.token();
});
afterAll(async () => t.close());

describe('attribute definitions', () => {
  it('creates a definition and returns it with both spellings of the multi-value flag', async () => {
    const created = await define({ name: 'Favourite colours', slug: 'colours', type: 'string', multi_value: true, customer_editable: true, pinned: true, pin_order: 2 });
    expect(created).toMatchObject({
      name: 'Favourite colours',
      slug: 'colours',
      type: 'string',
      multi_value: true,
      is_multi_value: true,
      customer_editable: true,
      encrypted: false,
      pinned: true,
      pin_order: 2,
      is_locked: false,
      validations: [],
      application_id: APP,
      created_by: CLIENT.id,
      updated_by: CLIENT.id,
    });
    expect(created._id).toMatch(/^[0-9a-f]{24}$/);
    const read = await call('GET', `${definitions()}/${created._id}`, token);
    expect(read.body).toEqual(created);
    const sdkSpelling = await define({ type: 'number', is_multi_value: true });
    expect(sdkSpelling).toMatchObject({ multi_value: true, is_multi_value: true });
  });

  it('names the field of every invalid definition and writes nothing', async () => {
    const before = (await call('GET', `${definitions()}?page_size=1`, token)).body.page as { item_total: number };
    const missing = await call('POST', definitions(), token, { name: 'x' });
    expect(missing.status).toBe(400);
    expect((missing.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['body.slug', 'body.type']);
    const badType = await call('POST', definitions(), token, { name: 'x', slug: 'x1', type: 'money' });
    expect(String(badType.body.message)).toContain('body.type: must be one of string, number, boolean, date, datetime, email, phone, url, json');
    const badSlug = await call('POST', definitions(), token, { name: 'x', slug: 'Has Spaces', type: 'string' });
    expect(String(badSlug.body.message)).toContain('body.slug');
    const badRule = await call('POST', definitions(), token, { name: 'x', slug: 'x2', type: 'number', validations: [{ type: 'regex', value: 'a' }] });
    expect(badRule.status).toBe(400);
    expect(String(badRule.body.message)).toContain('body.validations[0].type: regex applies only to');
    const badDefault = await call('POST', definitions(), token, { name: 'Age', slug: 'x3', type: 'number', default_value: 'old' });
    expect(badDefault.status).toBe(400);
    expect(String(badDefault.body.message)).toBe('body.default_value: attribute "Age" (x3) expects a number');
    const disagree = await call('POST', definitions(), token, { name: 'x', slug: 'x4', type: 'string', multi_value: true, is_multi_value: false });
    expect(disagree.status).toBe(400);
    const after = (await call('GET', `${definitions()}?page_size=1`, token)).body.page as { item_total: number };
    expect(after.item_total).toBe(before.item_total);
    for (const slug of ['x1', 'x2', 'x3', 'x4']) expect((await call('GET', `${definitions()}?slug=${slug}`, token)).body.items).toEqual([]);
  });

  it('lists with every filter and a page object', async () => {
    const tag = `f${(seq += 1)}`;
    const a = await define({ name: `${tag} Alpha Level`, slug: `${tag}_a`, type: 'number', pinned: true, pin_order: 7, customer_editable: true });
    const b = await define({ name: `${tag} beta`, slug: `${tag}_b`, type: 'string', encrypted: true, is_locked: true });
    const c = await define({ name: `${tag} gamma LEVEL`, slug: `${tag}_c`, type: 'string' });
    const ids = async (query: string) =>
      ((await call('GET', `${definitions()}?name=${tag}&${query}`, token)).body.items as Array<{ _id: string }>).map((d) => d._id);
    expect(await ids('')).toEqual([c._id, b._id, a._id]);
    expect(await ids('type=string')).toEqual([c._id, b._id]);
    expect(await ids(`slug=${tag}_a`)).toEqual([a._id]);
    expect(await ids('customer_editable=true')).toEqual([a._id]);
    expect(await ids('encrypted=true')).toEqual([b._id]);
    expect(await ids('pinned=true&pin_order=7')).toEqual([a._id]);
    expect(await ids('is_locked=false')).toEqual([c._id, a._id]);
    expect(await ids(`excluding_ids=${a._id},${c._id}`)).toEqual([b._id]);
    expect(((await call('GET', `${definitions()}?name=${encodeURIComponent(`${tag} ALPHA`)}`, token)).body.items as unknown[]).length).toBe(1);
    expect(((await call('GET', `${definitions()}?name=level`, token)).body.items as unknown[]).length).toBeGreaterThanOrEqual(2);
    const page = await call('GET', `${definitions()}?name=${tag}&page_size=2&page_no=2`, token);
    expect(page.body.page).toEqual({ type: 'number', current: 2, size: 2, item_total: 3, total: 2, has_next: false });
    expect((page.body.items as Array<{ _id: string }>).map((d) => d._id)).toEqual([a._id]);
    const bad = await call('GET', `${definitions()}?pinned=maybe`, token);
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('query.pinned');
  });

  it('updates what is given, and a deleted definition is gone', async () => {
    const created = await define({ name: 'Old name', type: 'string', description: 'first' });
    const updated = await call('PUT', `${definitions()}/${created._id}`, token, { name: 'New name', pinned: true });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'New name', pinned: true, description: 'first', slug: created.slug, __v: 1 });
    const removed = await call('DELETE', `${definitions()}/${created._id}`, token);
    expect(removed.status).toBe(200);
    expect(removed.body.success).toBe('true');
    expect((await call('GET', `${definitions()}/${created._id}`, token)).status).toBe(404);
    expect((await call('PUT', `${definitions()}/${created._id}`, token, { name: 'x' })).status).toBe(404);
    expect((await call('DELETE', `${definitions()}/${created._id}`, token)).status).toBe(404);
  });

  it('keeps slugs unique per application, and deleting a definition frees its slug', async () => {
    const slug = uniqueSlug('unique');
    const first = await define({ slug, type: 'string' });
    const again = await call('POST', definitions(), token, { name: 'Again', slug, type: 'number' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'slug_taken' });
    expect(String(again.body.message)).toContain(slug);
    const otherApp = await call('POST', `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}/user_attribute/definition`, await t.token(OTHER_CLIENT, OTHER_COMPANY), { name: 'Same slug elsewhere', slug, type: 'string' });
    expect(otherApp.status).toBe(200);
    await call('DELETE', `${definitions()}/${first._id}`, token);
    await define({ slug, type: 'number' });
  });

  it('of 20 concurrent creates of one slug exactly one succeeds and the rest get 409', async () => {
    const slug = uniqueSlug('race');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', definitions(), token, { name: `Race ${i}`, slug, type: 'string' })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(((await call('GET', `${definitions()}?slug=${slug}`, token)).body.items as unknown[]).length).toBe(1);
  });

  it('lets the slug change until users have values, then refuses with 409', async () => {
    const created = await define({ type: 'string' });
    const renamedSlug = uniqueSlug('renamed');
    const renamed = await call('PUT', `${definitions()}/${created._id}`, token, { slug: renamedSlug });
    expect(renamed.status).toBe(200);
    expect(renamed.body.slug).toBe(renamedSlug);
    await define({ slug: created.slug, type: 'string' });
    expect((await call('POST', definitions(), token, { name: 'x', slug: renamedSlug, type: 'string' })).status).toBe(409);
    await putOk(created._id, await customer(), 'v');
    const refused = await call('PUT', `${definitions()}/${created._id}`, token, { slug: uniqueSlug('late') });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'slug_immutable' });
    expect(String(refused.body.message)).toContain('cannot change once users have values');
    const retyped = await call('PUT', `${definitions()}/${created._id}`, token, { type: 'number' });
    expect(retyped.status).toBe(409);
    expect(retyped.body).toMatchObject({ code: 'definition_in_use' });
    expect((await call('PUT', `${definitions()}/${created._id}`, token, { name: 'Still editable' })).status).toBe(200);
  });

  it('a locked definition can be neither changed nor deleted', async () => {
    const locked = await define({ type: 'string', is_locked: true });
    const change = await call('PUT', `${definitions()}/${locked._id}`, token, { name: 'x' });
    expect(change.status).toBe(409);
    expect(change.body).toMatchObject({ code: 'definition_locked' });
    expect((await call('DELETE', `${definitions()}/${locked._id}`, token)).status).toBe(409);
    expect((await call('GET', `${definitions()}/${locked._id}`, token)).body).toMatchObject({ is_locked: true, name: 'Attribute' });
  });

  it('keeps each company and application to itself', async () => {
    const mine = await define({ type: 'string' });
    const otherBase = `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}`;
    const otherToken = await t.token(OTHER_CLIENT, OTHER_COMPANY);
    expect((await call('GET', `${otherBase}/user_attribute/definition/${mine._id}`, otherToken)).status).toBe(404);
    expect((await call('DELETE', `${otherBase}/user_attribute/definition/${mine._id}`, otherToken)).status).toBe(404);
    expect((await call('GET', `${definitions()}/${mine._id}`, otherToken)).status).toBe(403);
    expect((await call('GET', definitions(), undefined)).status).toBe(401);
  });
});

describe('attribute values', () => {
  it('upserts one record per user and definition: a second PUT updates it and keeps its _id', async () => {
    const definition = await define({ name: 'Tier', type: 'string' });
    const userId = await customer();
    const first = await putOk(definition._id, userId, 'gold');
    expect(first).toMatchObject({
      name: 'Tier',
      type: 'string',
      user_id: userId,
      application_id: APP,
      user_attribute_definition_id: definition._id,
      customer_overriden: false,
      customer_overridden: false,
      attribute: { value: 'gold' },
      updated_by: CLIENT.id,
    });
    const second = await putOk(definition._id, userId, 'silver');
    expect(second._id).toBe(first._id);
    expect(second.attribute).toEqual({ value: 'silver' });
    expect((await call('GET', valueUrl(definition._id, userId), token)).body).toEqual(second);
    expect((await call('GET', `${P()}/user_attribute/attribute/${first._id}`, token)).body).toEqual(second);
    const list = await call('GET', `${P()}/user_attribute/user/${userId}`, token);
    expect(list.body.items).toEqual([second]);
  });

  it('follows a value through many writes and a deletion: the last write decides, a write after deletion makes a new record', async () => {
    const definition = await define({ type: 'number' });
    const userId = await customer();
    const first = await putOk(definition._id, userId, 1);
    for (let n = 2; n <= 12; n += 1) expect((await putOk(definition._id, userId, n))._id).toBe(first._id);
    // The same value again writes nothing: compared with the latest write, not the first.
    expect((await putOk(definition._id, userId, 12)).attribute).toEqual({ value: 12 });
    expect(await events(userAttributeStream(definition._id, userId))).toHaveLength(12);
    expect((await call('DELETE', valueUrl(definition._id, userId), token)).status).toBe(200);
    const again = await putOk(definition._id, userId, 13);
    expect(again._id).not.toBe(first._id);
    expect((await call('GET', valueUrl(definition._id, userId), token)).body).toMatchObject({ _id: again._id, attribute: { value: 13 } });
  });

  it('accepts either spelling of the override flag and returns both', async () => {
    const definition = await define({ type: 'boolean' });
    const userId = await customer();
    expect((await put(definition._id, userId, true, { customer_overriden: true })).body).toMatchObject({ customer_overriden: true, customer_overridden: true });
    expect((await put(definition._id, userId, true, { customer_overridden: false })).body).toMatchObject({ customer_overriden: false, customer_overridden: false });
  });

  it('takes every type, and refuses a value of the wrong type naming the definition and the type', async () => {
    const userId = await customer();
    const cases: Array<[string, unknown, unknown, unknown]> = [
      ['string', 'text', 'text', 5],
      ['number', 4.5, 4.5, '4.5'],
      ['boolean', true, true, 'yes'],
      ['date', '2024-02-29', '2024-02-29', '2023-02-29'],
      ['datetime', '2026-01-31T10:00:00+05:30', '2026-01-31T04:30:00.000Z', 'yesterday'],
      ['email', 'Ann@Example.com', 'ann@example.com', 'ann'],
      ['phone', '+91 98765 43210', '+919876543210', '98765'],
      ['url', 'https://example.com/x', 'https://example.com/x', 'ftp://example.com'],
      ['json', { a: [1, 2] }, { a: [1, 2] }, null],
    ];
    for (const [type, value, stored, wrong] of cases) {
      const definition = await define({ name: `A ${type}`, type });
      const ok = await put(definition._id, userId, value);
      expect(ok.status, `${type}: ${JSON.stringify(ok.body)}`).toBe(200);
      expect(ok.body.attribute).toEqual({ value: stored });
      const bad = await put(definition._id, userId, wrong);
      expect(bad.status, type).toBe(400);
      if (wrong !== null) expect(String(bad.body.message), type).toContain(`attribute "A ${type}" (${String(definition.slug)}) expects`);
      expect((await call('GET', valueUrl(definition._id, userId), token)).body.attribute).toEqual({ value: stored });
    }
  });

  it('stores an array for a multi-value definition', async () => {
    const definition = await define({ type: 'number', multi_value: true, validations: [{ type: 'max', value: 10 }] });
    const userId = await customer();
    expect((await putOk(definition._id, userId, [1, 2, 3])).attribute).toEqual({ value: [1, 2, 3] });
    const single = await put(definition._id, userId, 1);
    expect(single.status).toBe(400);
    expect(String(single.body.message)).toContain('expects an array');
    const element = await put(definition._id, userId, [1, 11]);
    expect(element.status).toBe(400);
    expect(String(element.body.message)).toContain('body.attribute.value[1]');
    expect(String(element.body.message)).toContain('(validation max)');
  });

  it('says which validation a value breaks', async () => {
    const userId = await customer();
    const check = async (type: string, validations: unknown[], bad: unknown, rule: string, good: unknown) => {
      const definition = await define({ type, validations });
      const res = await put(definition._id, userId, bad);
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toContain(`(validation ${rule})`);
      expect((await put(definition._id, userId, good)).status).toBe(200);
    };
    await check('number', [{ type: 'min', value: 18 }], 17, 'min', 18);
    await check('number', [{ type: 'max', value: 99 }], 100, 'max', 99);
    await check('date', [{ type: 'min', value: '2000-01-01' }], '1999-12-31', 'min', '2000-01-01');
    await check('string', [{ type: 'min_length', value: 3 }], 'ab', 'min_length', 'abc');
    await check('string', [{ type: 'max_length', value: 3 }], 'abcd', 'max_length', 'abc');
    await check('string', [{ type: 'regex', value: '^[A-Z]{2}\\d+$' }], 'ab1', 'regex', 'AB1');
    await check('string', [{ type: 'enum', value: ['gold', 'silver'] }], 'bronze', 'enum', 'gold');
  });

  it('deletes a value (audited with the actor), after which it is not found', async () => {
    const definition = await define({ type: 'string' });
    const userId = await customer();
    await putOk(definition._id, userId, 'x');
    const removed = await call('DELETE', valueUrl(definition._id, userId), token);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ success: 'true' });
    expect((await call('GET', valueUrl(definition._id, userId), token)).status).toBe(404);
    expect((await call('DELETE', valueUrl(definition._id, userId), token)).status).toBe(404);
    const last = (await events(userAttributeStream(definition._id, userId))).at(-1);
    expect(last).toMatchObject({ type: 'UserAttributeDeleted', data: { reason: 'deleted' }, metadata: { actor: { type: 'platform_client', id: CLIENT.id } } });
  });

  it('refuses unknown users, unknown definitions and archived customers', async () => {
    const definition = await define({ type: 'string' });
    const userId = await customer();
    expect((await put(definition._id, '0000000000000000000000ff', 'x')).status).toBe(404);
    expect((await put('0000000000000000000000ee', userId, 'x')).status).toBe(404);
    expect((await call('GET', `${P()}/user_attribute/user/0000000000000000000000ff`, token)).status).toBe(404);
    expect((await call('GET', `${P()}/user_attribute/attribute/0000000000000000000000ff`, token)).status).toBe(404);
    await call('PUT', `${P()}/customers/archive`, token, { user_id: userId });
    const archived = await put(definition._id, userId, 'x');
    expect(archived.status).toBe(409);
    expect(archived.body).toMatchObject({ code: 'user_archived' });
    expect((await call('PUT', `${P()}/customers/undelete`, token, { user_id: userId, reason: 'back', reason_id: '1' })).status).toBe(200);
    expect((await put(definition._id, userId, 'x')).status).toBe(200);
  });

  it('lists a user’s values newest first, paginated', async () => {
    const userId = await customer();
    const made = [];
    for (let i = 0; i < 3; i += 1) made.push(await putOk((await define({ type: 'number' }))._id, userId, i));
    const page = await call('GET', `${P()}/user_attribute/user/${userId}?page_size=2&page_no=1`, token);
    expect((page.body.items as Array<{ _id: string }>).map((v) => v._id)).toEqual([made[2]?._id, made[1]?._id]);
    expect(page.body.page).toEqual({ type: 'number', current: 1, size: 2, item_total: 3, total: 2, has_next: true });
  });

  it('of 20 concurrent upserts of one value, none fails with 5xx and one record remains', async () => {
    const definition = await define({ type: 'number' });
    const userId = await customer();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => put(definition._id, userId, i)));
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((r) => r.body._id)).size).toBe(1);
    const list = await call('GET', `${P()}/user_attribute/user/${userId}`, token);
    expect(list.body.items).toHaveLength(1);
    const sets = (await events(userAttributeStream(definition._id, userId))).map((e) => (e.data as { attribute_id: string }).attribute_id);
    expect(new Set(sets).size).toBe(1);
  });

  it('deleting a definition deletes its values as events with the actor, and frees nothing else', async () => {
    const definition = await define({ type: 'string' });
    const other = await define({ type: 'string' });
    const users = [await customer(), await customer()];
    for (const userId of users) {
      await putOk(definition._id, userId, 'x');
      await putOk(other._id, userId, 'y');
    }
    const removed = await call('DELETE', `${definitions()}/${definition._id}`, token);
    expect(removed.body).toMatchObject({ success: 'true', values_deleted: 2 });
    for (const userId of users) {
      expect((await call('GET', valueUrl(definition._id, userId), token)).status).toBe(404);
      expect((await call('GET', valueUrl(other._id, userId), token)).status).toBe(200);
      expect((await events(userAttributeStream(definition._id, userId))).at(-1)).toMatchObject({
        type: 'UserAttributeDeleted',
        data: { reason: 'definition_deleted' },
        metadata: { actor: { id: CLIENT.id } },
      });
    }
    expect((await events(attributeDefinitionStream(definition._id))).at(-1)).toMatchObject({
      type: 'AttributeDefinitionDeleted',
      data: { values_deleted: 2 },
      metadata: { actor: { type: 'platform_client', id: CLIENT.id } },
    });
  });
});

describe('encrypted attributes', () => {
  const SECRET = 'passport-Z1234567-secret';

  it('are encrypted in the event log and the read models, and read in clear through the API', async () => {
    const definition = await define({ name: 'Passport', type: 'string', encrypted: true });
    const userId = await customer();
    const set = await putOk(definition._id, userId, SECRET);
    expect(set.attribute).toEqual({ value: SECRET });
    expect((await call('GET', `${P()}/user_attribute/attribute/${set._id}`, token)).body.attribute).toEqual({ value: SECRET });
    const again = await putOk(definition._id, userId, SECRET);
    expect(again._id).toBe(set._id);

    const file = join(t.dataDir, SQLITE_FILE);
    const db = new Database(file, { readonly: true });
    try {
      const eventRows = db.prepare<[string], { data: string }>('SELECT data FROM events WHERE stream = ?').all(userAttributeStream(definition._id, userId));
      expect(eventRows).toHaveLength(1);
      // Sealed twice: with the master key as an encrypted attribute, then with the person's data key.
      expect(eventRows[0]?.data).toContain('"value":"pii1:');
      const everything = [
        ...db.prepare<[], { data: string }>('SELECT data FROM events').all().map((r) => r.data),
        ...db.prepare<[], { doc: string }>('SELECT doc FROM user_attributes').all().map((r) => r.doc),
        ...db
          .prepare<[], { t: string | null; f: string | null }>('SELECT value_text AS t, value_fold AS f FROM user_attribute_values')
          .all()
          .flatMap((r) => [r.t, r.f]),
      ];
      expect(everything.some((text) => text?.includes('passport-Z1234567'))).toBe(false);
      expect(db.prepare('SELECT COUNT(*) AS n FROM user_attribute_values WHERE definition_id = ?').get(definition._id)).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    for (const path of [file, `${file}-wal`]) {
      if (existsSync(path)) expect(readFileSync(path).includes(Buffer.from('passport-Z1234567'))).toBe(false);
    }
  });

  it('cannot be filtered, and say so', async () => {
    const definition = await define({ type: 'string', encrypted: true });
    const res = await filter({ conditions: [{ definition_id: definition._id, type: 'eq', value: 'x' }] });
    expect(res.status).toBe(400);
    expect(String(res.body.message)).toContain('is encrypted: its values cannot be filtered');
  });
});

describe('bulk values (SDK 3.x)', () => {
  it('sets several values of one user in one call, all or nothing', async () => {
    const tier = await define({ name: 'Tier', type: 'string' });
    const age = await define({ name: 'Age', type: 'number', validations: [{ type: 'min', value: 0 }] });
    const userId = await customer();
    const refused = await call('POST', `${P()}/user_attribute/user/${userId}`, token, {
      attributes: [
        { definition_id: tier._id, value: 'gold' },
        { definition_id: age._id, value: -1 },
      ],
    });
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toContain('body.attributes[1].value');
    expect((await call('GET', valueUrl(tier._id, userId), token)).status).toBe(404);
    const unknown = await call('POST', `${P()}/user_attribute/user/${userId}`, token, {
      attributes: [{ definition_id: '0000000000000000000000ee', value: 1 }],
    });
    expect(unknown.status).toBe(404);
    expect(String(unknown.body.message)).toContain('body.attributes[0].definition_id');

    const ok = await call('POST', `${P()}/user_attribute/user/${userId}`, token, {
      attributes: [
        { definition_id: tier._id, value: 'gold' },
        { definition_id: age._id, value: 30 },
      ],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.success).toBe(true);
    expect((ok.body.attributes as Array<{ attribute: unknown }>).map((a) => a.attribute)).toEqual([{ value: 'gold' }, { value: 30 }]);
  });

  it('deletes several values of one user with a JSON body on DELETE', async () => {
    const a = await define({ type: 'string' });
    const b = await define({ type: 'string' });
    const keep = await define({ type: 'string' });
    const userId = await customer();
    for (const d of [a, b, keep]) await putOk(d._id, userId, 'v');
    const res = await call('DELETE', `${P()}/user_attribute/user/${userId}`, token, { definition_ids: [a._id, b._id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: 'true', deleted: 2 });
    const left = await call('GET', `${P()}/user_attribute/user/${userId}`, token);
    expect((left.body.items as Array<{ user_attribute_definition_id: string }>).map((v) => v.user_attribute_definition_id)).toEqual([keep._id]);
    const missingBody = await call('DELETE', `${P()}/user_attribute/user/${userId}`, token);
    expect(missingBody.status).toBe(400);
    expect(String(missingBody.body.message)).toContain('body.definition_ids');
  });
});

describe('filtering users by attributes (SDK 3.x)', () => {
  it('finds users by conditions combined with AND / OR, paginated, with the asked-for values', async () => {
    const tier = await define({ name: 'Tier', type: 'string' });
    const spend = await define({ name: 'Spend', type: 'number' });
    const email = `filter.${(seq += 1)}@example.com`;
    const u1 = await customer({ email, first_name: 'Ann' });
    const u2 = await customer();
    const u3 = await customer();
    await putOk(tier._id, u1, 'gold');
    await putOk(spend._id, u1, 500);
    await putOk(tier._id, u2, 'gold');
    await putOk(spend._id, u2, 50);
    await putOk(tier._id, u3, 'silver');
    await putOk(spend._id, u3, 900);
    const ids = (res: { body: Json }) => (res.body.items as Array<{ _id: string }>).map((u) => u._id);

    const and = await filter({ conditions: [{ definition_id: tier._id, type: 'eq', value: 'gold' }, { definition_id: spend._id, type: 'gt', value: 100 }] });
    expect(and.status, JSON.stringify(and.body)).toBe(200);
    expect(ids(and)).toEqual([u1]);
    const first = (and.body.items as Json[])[0];
    expect(first).toMatchObject({ first_name: 'Ann', status: 'active', archive: false, emails: [expect.objectContaining({ email })] });
    expect((first?.phone_numbers as Array<{ country_code: unknown }>)[0]?.country_code).toBe('91');
    expect((first?.attributes as Array<{ name: string; attribute: unknown }>).map((a) => [a.name, a.attribute]).sort()).toEqual([
      ['Spend', { value: 500 }],
      ['Tier', { value: 'gold' }],
    ]);

    const or = await filter({ type: 'OR', conditions: [{ definition_id: tier._id, type: 'eq', value: 'silver' }, { definition_id: spend._id, type: 'lt', value: 100 }] });
    expect(ids(or)).toEqual([u2, u3].sort());
    const paged = await filter({ limit: 1, page: 2, definition_ids: [spend._id], conditions: [{ definition_id: tier._id, type: 'in', value: ['gold', 'silver'] }] });
    expect(paged.body.page).toEqual({ type: 'number', current: 2, size: 1, item_total: 3, total: 3, has_next: true });
    expect(ids(paged)).toEqual([[u1, u2, u3].sort()[1]]);
    expect(((paged.body.items as Json[])[0]?.attributes as Array<{ name: string }>).map((a) => a.name)).toEqual(['Spend']);
    const byEmail = await filter({ email, conditions: [{ definition_id: tier._id, type: 'eq', value: 'gold' }] });
    expect(ids(byEmail)).toEqual([u1]);
  });

  it('refuses conditions that do not fit, naming them', async () => {
    const spend = await define({ type: 'number' });
    const blob = await define({ type: 'json' });
    const wrongOp = await filter({ conditions: [{ definition_id: spend._id, type: 'sw', value: '1' }] });
    expect(wrongOp.status).toBe(400);
    expect(String(wrongOp.body.message)).toContain('body.query.conditions[0].type');
    const unknownOp = await filter({ conditions: [{ definition_id: spend._id, type: 'like', value: '1' }] });
    expect(String(unknownOp.body.message)).toContain('must be one of eq, ne, gt, lt, gte, lte, cnt, nct, is, nis, sw, ew, btw, in, nin');
    expect((await filter({ conditions: [{ definition_id: blob._id, type: 'eq', value: 1 }] })).status).toBe(400);
    expect((await filter({ conditions: [] })).status).toBe(400);
    expect((await filter({ type: 'xor', conditions: [{ definition_id: spend._id, type: 'eq', value: 1 }] })).status).toBe(400);
  });
});

describe('the attributes read model', () => {
  it('rebuilt from zero is the same read model, and the service keeps serving from it', async () => {
    const definition = await define({ type: 'string', multi_value: true });
    const gone = await define({ type: 'number' });
    const userId = await customer();
    const other = await customer();
    await putOk(definition._id, userId, ['rebuilt', 'twice']);
    await putOk(definition._id, other, ['first']);
    await putOk(definition._id, other, ['second']);
    await putOk(gone._id, other, 1);
    await call('DELETE', `${definitions()}/${gone._id}`, token);
    await call('PUT', `${definitions()}/${definition._id}`, token, { name: 'Renamed before the rebuild' });
    const snapshot = () => ({
      definitions: t.service.db.prepare('SELECT * FROM attribute_definitions ORDER BY application_id, definition_id').all(),
      values: t.service.db.prepare('SELECT * FROM user_attributes ORDER BY application_id, definition_id, user_id').all(),
      index: t.service.db.prepare('SELECT * FROM user_attribute_values ORDER BY application_id, definition_id, user_id, element').all(),
      counts: t.service.db.prepare('SELECT * FROM user_attribute_counts WHERE n > 0 ORDER BY application_id, definition_id, value').all(),
      populations: t.service.db.prepare('SELECT * FROM user_attribute_populations WHERE n > 0 ORDER BY application_id, definition_id').all(),
    });
    const before = snapshot();
    expect(before.values.length).toBeGreaterThanOrEqual(3);
    // Damage the live read model: the rebuild must repair it from the log alone.
    t.service.db.prepare('DELETE FROM user_attribute_values WHERE definition_id = ?').run(definition._id);
    t.service.db.prepare('UPDATE user_attribute_counts SET n = n + 5 WHERE definition_id = ?').run(definition._id);
    t.service.db.prepare("UPDATE attribute_definitions SET doc = '{}' WHERE definition_id = ?").run(definition._id);
    const { events } = rebuildSqliteProjection(t.service.db, t.service.eventStore, 'attributes');
    expect(events).toBeGreaterThan(before.values.length);
    expect(snapshot()).toEqual(before);
    const found = await filter({ conditions: [{ definition_id: definition._id, type: 'eq', value: 'twice' }] });
    expect((found.body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([userId]);
  });
});
