import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userStream } from '../../src/events/customerEvents.js';
import { APP, CLIENT, COMPANY, OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';

let t: TestService;
let token: string;
let seq = 0;
const uniquePhone = () => `98${String(10_000_000 + (seq += 1)).padStart(8, '0')}`;

async function create(body: Record<string, unknown>) {
  return call('POST', `${t.platformBase}/customers`, token, body);
}
async function createOk(body: Record<string, unknown> = {}) {
  const res = await create({ phone_number: uniquePhone(), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.user as { _id: string; [k: string]: unknown });
}
const list = async (q: string, extra = '') =>
  call('GET', `${t.platformBase}/customers/list?q=${encodeURIComponent(q)}${extra}`, token);

beforeAll(async () => {
  t = await startTestService();
  token = await t.token();
});
afterAll(async () => t.close());

describe('platform customers', () => {
  it('creates a customer that list, search and get then return', async () => {
    const user = await createOk({ email: 'Ann.Lee@Example.com', first_name: 'Ann', last_name: 'Lee', meta: { tier: 'gold' } });
    expect(user).toMatchObject({ first_name: 'Ann', last_name: 'Lee', active: true, application_id: APP, meta: { tier: 'gold' } });
    expect(user._id).toMatch(/^[0-9a-f]{24}$/);

    const byEmail = await list('ann.lee@example.com');
    expect(byEmail.status).toBe(200);
    expect((byEmail.body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([user._id]);
    expect(byEmail.body.page).toMatchObject({ current: 1, size: 10, item_total: 1, has_next: false, type: 'number' });

    const phone = (user.phone_numbers as Array<{ phone: string }>)[0]!.phone;
    const search = await call('GET', `${t.platformBase}/customers/search?query=${phone}&query=nobody@example.com`, token);
    expect((search.body.users as Array<{ _id: string }>).map((u) => u._id)).toEqual([user._id]);

    const get = await call('GET', `${t.platformBase}/customers/${user._id}`, token);
    expect((get.body.user as { _id: string })._id).toBe(user._id);
  });

  it('names the field of every invalid input and writes nothing', async () => {
    const before = (await list('{"first_name":"Invalid"}')).body.page as { item_total: number };
    const missing = await create({ email: 'x@example.com', first_name: 'Invalid' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ success: false });
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'body.phone_number' })]);
    const badEmail = await create({ phone_number: uniquePhone(), email: 'not-an-email', first_name: 'Invalid' });
    expect(badEmail.status).toBe(400);
    expect(String(badEmail.body.message)).toContain('body.email');
    const badPhone = await create({ phone_number: '12', first_name: 'Invalid' });
    expect(badPhone.status).toBe(400);
    expect(String(badPhone.body.message)).toContain('body.phone_number');
    const after = (await list('{"first_name":"Invalid"}')).body.page as { item_total: number };
    expect(after.item_total).toBe(before.item_total);
  });

  it('of 20 concurrent creates with one email exactly one succeeds and the rest get 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => create({ phone_number: uniquePhone(), email: 'race@example.com' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect((await list('race@example.com')).body.items).toHaveLength(1);
  });

  it('of 20 concurrent creates with one phone number exactly one succeeds', async () => {
    const phone = uniquePhone();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => create({ phone_number: phone, email: `p${i}@race.example.com` })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
  });

  it('refuses an update that would take another customer’s email, and leaves the customer as it was', async () => {
    await createOk({ email: 'owner@example.com' });
    const other = await createOk({ email: 'other@example.com' });
    const res = await call('PUT', `${t.platformBase}/customers/${other._id}`, token, {
      first_name: 'Changed',
      emails: [{ email: 'OWNER@example.com', primary: true }],
    });
    expect(res.status).toBe(409);
    expect(String(res.body.message)).toContain('email');
    const after = await call('GET', `${t.platformBase}/customers/${other._id}`, token);
    expect(after.body.user).toMatchObject({ emails: [expect.objectContaining({ email: 'other@example.com' })] });
    expect((after.body.user as { first_name?: string }).first_name).toBeUndefined();
  });

  it('updates names, meta and the full phone and email lists, releasing the old ones', async () => {
    const user = await createOk({ email: 'before@example.com' });
    const newPhone = uniquePhone();
    const res = await call('PUT', `${t.platformBase}/customers/${user._id}`, token, {
      first_name: 'New',
      meta: { a: 1 },
      emails: [{ email: 'after@example.com', verified: true }, { email: 'second@example.com' }],
      phone_numbers: [{ phone: newPhone, country_code: '91', primary: true }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user).toMatchObject({
      first_name: 'New',
      meta: { a: 1 },
      emails: [
        { email: 'after@example.com', primary: true, verified: true, active: true },
        { email: 'second@example.com', primary: false, verified: false, active: true },
      ],
      phone_numbers: [{ phone: newPhone, country_code: 91, primary: true }],
    });
    expect((await list('before@example.com')).body.items).toEqual([]);
    await createOk({ email: 'before@example.com' });
  });

  it('blocks and unblocks several customers with a reason kept in the audit trail', async () => {
    const a = await createOk();
    const b = await createOk();
    const missingReason = await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [a._id] });
    expect(missingReason.status).toBe(400);
    expect(String(missingReason.body.message)).toContain('body.reason');

    const block = await call('PUT', `${t.platformBase}/customers/activation`, token, {
      status: false,
      user_id: [a._id, b._id],
      reason: 'chargeback fraud',
      reason_id: 'R-7',
    });
    expect(block.body).toEqual({ success: true });
    const got = await call('GET', `${t.platformBase}/customers/${a._id}`, token);
    expect(got.body.user).toMatchObject({ active: false, status: 'blocked' });

    const events = await t.service.eventStore.readStream(userStream(a._id));
    const blocked = events.find((e) => e.type === 'UserBlocked');
    expect(blocked?.data).toEqual({ reason: 'chargeback fraud', reason_id: 'R-7' });
    expect(blocked?.metadata.actor).toEqual({ type: 'platform_client', id: CLIENT.id });

    await call('PUT', `${t.platformBase}/customers/activation`, token, { status: true, user_id: [a._id], reason: 'cleared' });
    expect((await call('GET', `${t.platformBase}/customers/${a._id}`, token)).body.user).toMatchObject({ active: true });
    expect((await call('GET', `${t.platformBase}/customers/${b._id}`, token)).body.user).toMatchObject({ active: false });
  });

  it('stores every acknowledged update even when clients reuse one x-request-id', async () => {
    const user = await createOk();
    const names = Array.from({ length: 10 }, (_, i) => `Name${i}`);
    const results = await Promise.all(
      names.map((first_name) =>
        fetch(`${t.platformBase}/customers/${user._id}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'same-id-for-all' },
          body: JSON.stringify({ first_name }),
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(names.map(() => 200));
    const written = (await t.service.eventStore.readStream(userStream(user._id)))
      .filter((e) => e.type === 'UserUpdated')
      .map((e) => (e.data as { first_name: string }).first_name)
      .sort();
    expect(written).toEqual(names);
  });

  it('blocks all listed customers or none when one id is unknown', async () => {
    const a = await createOk();
    const res = await call('PUT', `${t.platformBase}/customers/activation`, token, {
      status: false,
      user_id: [a._id, 'ffffffffffffffffffffffff'],
      reason: 'x',
    });
    expect(res.status).toBe(404);
    expect(String(res.body.message)).toContain('user_id[1]');
    expect((await call('GET', `${t.platformBase}/customers/${a._id}`, token)).body.user).toMatchObject({ active: true });
  });

  it('archiving frees the identifiers; restoring refuses while they are taken', async () => {
    const first = await createOk({ email: 'reuse@example.com' });
    const archive = await call('PUT', `${t.platformBase}/customers/archive`, token, { user_id: first._id });
    expect(archive.body).toEqual({ success: true });
    expect((await list('reuse@example.com')).body.items).toEqual([]);
    const archived = await list('{"archive":true,"emails.email":"reuse@example.com"}');
    expect(archived.body.items).toEqual([expect.objectContaining({ _id: first._id, archive: true, status: 'archived' })]);

    const second = await createOk({ email: 'reuse@example.com' });
    const refused = await call('PUT', `${t.platformBase}/customers/undelete`, token, { user_id: first._id, reason: 'mistake', reason_id: '1' });
    expect(refused.status).toBe(409);
    expect(String(refused.body.message)).toContain('email');

    await call('PUT', `${t.platformBase}/customers/archive`, token, { user_id: second._id });
    const restored = await call('PUT', `${t.platformBase}/customers/undelete`, token, { user_id: first._id, reason: 'mistake', reason_id: '1' });
    expect(restored.body).toEqual({ success: true });
    expect(((await list('reuse@example.com')).body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([first._id]);
    const restoredEvent = (await t.service.eventStore.readStream(userStream(first._id))).find((e) => e.type === 'UserRestored');
    expect(restoredEvent?.data).toEqual({ reason: 'mistake', reason_id: '1' });
  });

  it('restore requires a reason and an archived customer', async () => {
    const user = await createOk();
    expect((await call('PUT', `${t.platformBase}/customers/undelete`, token, { user_id: user._id })).status).toBe(400);
    expect((await call('PUT', `${t.platformBase}/customers/undelete`, token, { user_id: user._id, reason: 'x' })).status).toBe(409);
    expect((await call('PUT', `${t.platformBase}/customers/undelete`, token, { user_id: 'ffffffffffffffffffffffff', reason: 'x' })).status).toBe(404);
  });

  it('accepts the whitelisted JSON filter and refuses anything else with a 400', async () => {
    const user = await createOk({ email: 'filter.me@example.com', first_name: 'Filtered' });
    const phone = (user.phone_numbers as Array<{ phone: string }>)[0]!.phone;
    const seedExample = await list(JSON.stringify({ $or: [{ 'emails.email': 'filter.me@example.com' }, { 'phoneNumbers.phone': 'nope' }] }));
    expect((seedExample.body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([user._id]);
    const byPhoneIn = await list(JSON.stringify({ 'phone_numbers.phone': { $in: [phone, '1'] } }));
    expect((byPhoneIn.body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([user._id]);
    const regex = await list(JSON.stringify({ $and: [{ 'emails.email': { $regex: '^filter\\.', $options: 'i' } }, { first_name: 'Filtered' }] }));
    expect((regex.body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([user._id]);

    for (const bad of [
      { $where: 'sleep(1000)' },
      { first_name: { $function: {} } },
      { $expr: { $eq: [1, 1] } },
      { password: 'x' },
      { 'emails.email': { $regex: 'a'.repeat(200) } },
      { 'emails.email': { $regex: '(a+)+$' } },
    ]) {
      const res = await list(JSON.stringify(bad));
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(String(res.body.message)).toMatch(/^q/);
    }
    expect((await list('{not json')).status).toBe(400);
  });

  it('pages through the list newest first', async () => {
    const created = [];
    for (let i = 0; i < 12; i += 1) created.push(await createOk({ first_name: 'Paged' }));
    const page3 = await call('GET', `${t.platformBase}/customers/list?q=${encodeURIComponent('{"first_name":"Paged"}')}&page_no=3&page_size=5`, token);
    expect(page3.body.page).toMatchObject({ current: 3, size: 5, item_total: 12, has_next: false });
    expect((page3.body.items as Array<{ _id: string }>).map((u) => u._id)).toEqual([created[1]!._id, created[0]!._id]);
    const bad = await call('GET', `${t.platformBase}/customers/list?page_size=0`, token);
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('query.page_size');
  });

  it('keeps each company and application to its own customers', async () => {
    const user = await createOk();
    const otherToken = await t.token(OTHER_CLIENT, OTHER_COMPANY);
    const crossCompany = await call('GET', `${t.platformBase}/customers/${user._id}`, otherToken);
    expect(crossCompany.status).toBe(403);
    const otherBase = `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}`;
    expect((await call('GET', `${otherBase}/customers/${user._id}`, otherToken)).status).toBe(404);
    expect((await call('PUT', `${otherBase}/customers/archive`, otherToken, { user_id: user._id })).status).toBe(404);
    const wrongApp = `${t.baseUrl}/service/platform/user/v1.0/company/${COMPANY}/application/${OTHER_APP}`;
    expect((await call('GET', `${wrongApp}/customers/list`, token)).status).toBe(404);
  });
});

describe('restart', () => {
  it('keeps customers and issued tokens across a restart of the embedded service', async () => {
    const first = await startTestService();
    const firstToken = await first.token();
    const created = await call('POST', `${first.platformBase}/customers`, firstToken, { phone_number: '9123456789', email: 'kept@example.com' });
    expect(created.status).toBe(200);
    const dataDir = first.dataDir;
    await first.service.close();
    const second = await startTestService({ DATA_DIR: dataDir });
    try {
      const res = await call('GET', `${second.platformBase}/customers/list?q=kept@example.com`, firstToken);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
