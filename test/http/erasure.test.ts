import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidEvent } from '../../src/events/catalogue.js';
import { userStream } from '../../src/events/customerEvents.js';
import { ERASED } from '../../src/events/personalDataCodec.js';
import { SQLITE_FILE } from '../../src/main.js';
import { rebuildSqliteProjection } from '../../src/projections/sqlite/rebuild.js';
import { OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';

let t: TestService;
let token: string;
type Json = Record<string, unknown>;
const P = () => t.platformBase;

const VICTIM = {
  email: 'Zenobia.Quillfeather@example.com',
  phone: '9812340001',
  first_name: 'Zenobia',
  last_name: 'Quillfeather',
  username: 'zquillfeather',
  attribute: 'victim-favourite-colour-vermilion',
  secret: 'victim-passport-QX998877',
  agent: 'VictimBrowser/7.7',
};
const OTHER = { email: 'other.keeper@example.com', phone: '9812340002', first_name: 'Otto', last_name: 'Keeper', username: 'okeeper' };
/** What must not be found anywhere once the victim is erased. */
const needles = [VICTIM.email.toLowerCase(), VICTIM.phone, VICTIM.first_name, VICTIM.last_name, VICTIM.username, VICTIM.attribute, VICTIM.secret, VICTIM.agent];

async function ok(method: string, url: string, body?: unknown): Promise<Json> {
  const res = await call(method, url, token, body);
  expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

async function createCustomer(person: { email: string; phone: string; first_name: string; last_name: string; username: string }): Promise<string> {
  const body = await ok('POST', `${P()}/customers`, {
    email: person.email,
    phone_number: person.phone,
    first_name: person.first_name,
    last_name: person.last_name,
    username: person.username,
    gender: 'female',
    meta: { note: `${person.first_name} likes tea` },
  });
  return (body.user as { _id: string })._id;
}

async function startSession(userId: string, agent: string): Promise<void> {
  const res = await fetch(`${P()}/customers/session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': agent },
    body: JSON.stringify({ user_id: userId, domain: 'shop.example.com' }),
  });
  expect(res.status).toBe(200);
}

/** Every row of every table of the file, as text: where a leftover would be found. */
function everyRow(): Map<string, string[]> {
  const db = new Database(join(t.dataDir, SQLITE_FILE), { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
    return new Map(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all().map((row) => JSON.stringify(row))]));
  } finally {
    db.close();
  }
}

function leftovers(rows: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [table, texts] of rows) {
    for (const text of texts) {
      const lower = text.toLowerCase();
      for (const needle of needles) if (lower.includes(needle.toLowerCase())) found.push(`${table}: ${needle}`);
    }
  }
  return found;
}

/** The read models' rows of one user, for before/after comparisons. */
function readModelRowsOf(userId: string): Json {
  const db = new Database(join(t.dataDir, SQLITE_FILE), { readonly: true });
  try {
    const of = (table: string) => db.prepare(`SELECT * FROM ${table} WHERE user_id = ? ORDER BY 1, 2, 3`).all(userId);
    return {
      customers: of('customers'),
      identifiers: of('customers_identifiers'),
      attributes: of('user_attributes'),
      attributeIndex: of('user_attribute_values'),
    };
  } finally {
    db.close();
  }
}

function readModels(): Json {
  const rows = everyRow();
  const models = ['customers', 'customers_identifiers', 'user_attributes', 'user_attribute_values', 'attribute_definitions'];
  return Object.fromEntries(models.map((m) => [m, [...(rows.get(m) ?? [])].sort()]));
}

let victim: string;
let other: string;
let plainDefinition: string;
let secretDefinition: string;

beforeAll(async () => {
  t = await startTestService();
  token = await t.token();
  victim = await createCustomer(VICTIM);
  other = await createCustomer(OTHER);
  plainDefinition = ((await ok('POST', `${P()}/user_attribute/definition`, { name: 'Colour', slug: 'colour', type: 'string' })) as { _id: string })._id;
  secretDefinition = ((await ok('POST', `${P()}/user_attribute/definition`, { name: 'Passport', slug: 'passport', type: 'string', encrypted: true })) as { _id: string })._id;
  for (const [userId, colour, passport] of [
    [victim, VICTIM.attribute, VICTIM.secret],
    [other, 'other-colour-teal', 'other-passport-AB1'],
  ] as const) {
    await ok('PUT', `${P()}/user_attribute/definition/${plainDefinition}/user/${userId}`, { attribute: { value: colour } });
    await ok('PUT', `${P()}/user_attribute/definition/${secretDefinition}/user/${userId}`, { attribute: { value: passport } });
  }
  await startSession(victim, VICTIM.agent);
  await startSession(other, 'OtherBrowser/1.0');
});
afterAll(async () => t.close());

describe('export', () => {
  it('returns the profile, identifiers, attributes in clear, sessions without tokens, groups and the history', async () => {
    const created = await call('POST', `${P()}/user_group`, token, { name: 'export club', description: 'members are exported', type: 'bulk' });
    expect(created.status).toBe(201);
    const group = created.body;
    await ok('PATCH', `${P()}/user_group/${String(group._id)}`, { type: 'json', user_data: [{ user_id: other, action: 'add' }] });
    const exported = await ok('GET', `${P()}/customers/${other}/export`);
    expect(exported.group_memberships).toEqual([{ _id: group._id, uid: group.uid, name: 'export club', type: 'bulk' }]);
    expect(exported).toMatchObject({
      user_id: other,
      erased: false,
      profile: { first_name: OTHER.first_name, last_name: OTHER.last_name, username: OTHER.username },
      identifiers: { username: OTHER.username, emails: [expect.objectContaining({ email: OTHER.email })], phone_numbers: [expect.objectContaining({ phone: OTHER.phone })] },
    });
    const attributes = exported.attributes as Array<{ slug: string; attribute: { value: unknown } }>;
    expect(Object.fromEntries(attributes.map((a) => [a.slug, a.attribute.value]))).toEqual({ colour: 'other-colour-teal', passport: 'other-passport-AB1' });
    const sessions = exported.sessions as Json[];
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ user_agent: 'OtherBrowser/1.0', domain: 'shop.example.com' });
    expect(sessions[0]).not.toHaveProperty('token_hash');
    const history = exported.history as Array<{ type: string; data: Json; actor: Json }>;
    expect(history[0]).toMatchObject({ type: 'UserCreated', data: { first_name: OTHER.first_name }, actor: { type: 'platform_client' } });
  });

  it('is scoped to the caller’s application', async () => {
    const foreign = await t.token(OTHER_CLIENT, OTHER_COMPANY);
    const url = `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/000000000000000000000002/customers/${other}/export`;
    expect((await call('GET', url, foreign)).status).toBe(404);
  });
});

describe('erase', () => {
  it('needs a reason, and names the field when it is missing', async () => {
    const res = await call('POST', `${P()}/customers/${victim}/erase`, token, {});
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('body.reason');
    expect((await call('POST', `${P()}/customers/000000000000000000000bad/erase`, token, { reason: 'x' })).status).toBe(404);
  });

  it('leaves no personal data of the person in the read store or the log, and everyone else as they were', async () => {
    expect(leftovers(everyRow()).length).toBeGreaterThan(0); // the scan finds the person before erasure
    const otherBefore = {
      rows: readModelRowsOf(other),
      events: await t.service.eventStore.readStream(userStream(other)),
      export: { ...(await ok('GET', `${P()}/customers/${other}/export`)), exported_at: undefined },
    };

    await ok('POST', `${P()}/customers/${victim}/erase`, { reason: 'customer request under GDPR art. 17', reason_id: 'ticket-42' });

    expect(leftovers(everyRow())).toEqual([]);
    // A rebuild from the log alone gives the same read models as the live ones, still without the person.
    const live = readModels();
    for (const projection of t.service.readStore.projections) rebuildSqliteProjection(t.service.db, t.service.eventStore, projection.name);
    expect(readModels()).toEqual(live);
    expect(leftovers(everyRow())).toEqual([]);

    // Replaying the log: the person's events keep their shape, with the erased marker in place of each field.
    const replayed = await t.service.eventStore.readAll({ limit: 100_000 });
    for (const event of replayed) {
      expect(JSON.stringify(event.data)).not.toContain(VICTIM.first_name);
      assertValidEvent(event.type, event.data);
    }
    const history = await t.service.eventStore.readStream(userStream(victim));
    expect(history.at(-1)).toMatchObject({ type: 'UserErased', data: { reason: 'customer request under GDPR art. 17', reason_id: 'ticket-42' } });
    expect(history.at(-1)?.metadata.actor.type).toBe('platform_client');
    expect(history[0]?.data).toMatchObject({ first_name: ERASED, last_name: ERASED, username: ERASED, meta: {}, emails: [{ email: ERASED, primary: true }] });

    expect({
      rows: readModelRowsOf(other),
      events: await t.service.eventStore.readStream(userStream(other)),
      export: { ...(await ok('GET', `${P()}/customers/${other}/export`)), exported_at: undefined },
    }).toEqual(otherBefore);
  });

  it('leaves a tombstone, ends the sessions, refuses changes and frees the identifiers for reuse', async () => {
    const user = (await ok('GET', `${P()}/customers/${victim}`)).user as Json;
    expect(user).toMatchObject({ _id: victim, username: ERASED, emails: [], phone_numbers: [], archive: true, active: false, meta: {} });
    expect(user.first_name).toBeUndefined();
    expect((await ok('GET', `${P()}/customers/sessions?id=${victim}`)).items).toEqual([]);
    expect((await ok('GET', `${P()}/user_attribute/user/${victim}`)).items).toEqual([]);
    const update = await call('PUT', `${P()}/customers/${victim}`, token, { first_name: 'Back' });
    expect(update.status).toBe(409);
    const exported = await ok('GET', `${P()}/customers/${victim}/export`);
    expect(exported).toMatchObject({ erased: true, attributes: [], sessions: [] });
    expect(leftovers(new Map([['export', [JSON.stringify(exported)]]]))).toEqual([]);

    // Asking again changes nothing.
    const head = await t.service.eventStore.headPosition();
    await ok('POST', `${P()}/customers/${victim}/erase`, { reason: 'again' });
    expect(await t.service.eventStore.headPosition()).toBe(head);

    const again = await createCustomer(VICTIM);
    expect(again).not.toBe(victim);
    const found = await ok('GET', `${P()}/customers/list?q=${encodeURIComponent(VICTIM.email.toLowerCase())}`);
    expect((found.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([again]);
  });
});
