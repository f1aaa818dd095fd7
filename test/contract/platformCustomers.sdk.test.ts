/**
 * The platform customer API driven by the official Fynd SDK (`@gofynd/fdk-client-javascript`
 * 1.4.13, and again 3.4.2) exactly as a merchant's back office would, with `strictResponseCheck: true`: the SDK
 * validates every 2xx reply against its own Joi model and rejects a mismatch, so every call that
 * resolves is also a proof that the reply has the shape the SDK expects.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fdk from '@gofynd/fdk-client-javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_SDKS } from '../support/platformSdk.js';
import { APP, CLIENT, COMPANY, OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';

const { PlatformClient, PlatformConfig } = fdk;

type SdkClient = InstanceType<typeof PlatformClient>;
type UserClient = ReturnType<SdkClient['application']>['user'];
type Customer = NonNullable<Awaited<ReturnType<UserClient['getCustomers']>>['items']>[number];

/** What the SDK throws, read off whatever it rejected with. */
interface SdkFailure {
  name: string;
  message: string;
  code: unknown;
  details: unknown;
}

async function failureOf(promise: Promise<unknown>): Promise<SdkFailure> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const extra = error as Error & { code?: unknown; details?: unknown };
    return { name: error.name, message: error.message, code: extra.code, details: extra.details };
  }
  throw new Error('expected the SDK call to fail, but it succeeded');
}

function makeClient(domain: string, client = CLIENT, companyId = COMPANY): { sdk: SdkClient; config: InstanceType<typeof PlatformConfig> } {
  const config = new PlatformConfig(
    { companyId, apiKey: client.id, apiSecret: client.secret, domain, useAutoRenewTimer: false },
    { strictResponseCheck: true },
  );
  // The SDK logs every non-2xx at ERROR; the failures below are expected ones.
  // 'SILENT' is a loglevel level the SDK passes through, though its typings list only TRACE..ERROR.
  config.setLogLevel('SILENT' as 'ERROR');
  return { sdk: new PlatformClient(config), config };
}

// The SDK's typings mark refresh_token and code as required; the client_credentials grant sends neither.
const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', refresh_token: undefined, code: undefined };

let counter = 0;
/** A fresh customer identity: a possible Indian mobile number and an email that no one else has. */
function identity(label: string) {
  counter += 1;
  const n = String(counter).padStart(4, '0');
  return { phone: `98765${n}1`.slice(0, 10), email: `${label}.${n}@example.com` };
}

describe.each(PLATFORM_SDKS)('platform customers through the Fynd SDK $sdk (strictResponseCheck)', ({ connect }) => {
  let ts: TestService;
  let user: UserClient;

  beforeAll(async () => {
    ts = await startTestService();
    user = await connect(ts);
  });

  afterAll(async () => {
    await ts.close();
  });

  const create = async (label: string, extra: Record<string, unknown> = {}) => {
    const id = identity(label);
    const reply = await user.createUser({
      body: { phone_number: id.phone, email: id.email, first_name: label, last_name: 'Tester', username: '', ...extra },
    });
    const created = reply.user;
    if (created?.user_id === undefined) throw new Error('createUser returned no user_id');
    return { ...id, user: created, user_id: created.user_id };
  };

  const findByEmail = async (email: string): Promise<Customer[]> => (await user.getCustomers({ q: email })).items ?? [];

  it('is configured strictly: the SDK rejects a reply that does not match its model', async () => {
    // A throwaway server on 127.0.0.1 that answers with a null first_name: if strict checking were
    // off or broken, every other test here would prove nothing about shapes.
    const bad: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [{ first_name: null, active: 'maybe' }], page: { current: 'one' } }));
    });
    await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = bad.address() as AddressInfo;
      const { sdk: badSdk, config } = makeClient(`http://127.0.0.1:${port}`);
      config.oauthClient.setToken({ access_token: 'x', expires_in: 3600 });
      const failure = await failureOf(badSdk.application(APP).user.getCustomers({}));
      expect(failure.name).toBe('FDKResponseValidationError');
      expect(failure.message).toContain('items[0].first_name');
      expect(failure.message).toContain('page.current');
    } finally {
      await new Promise<void>((resolve) => bad.close(() => resolve()));
    }
  });

  it('issues a token through the SDK and refuses a wrong secret', async () => {
    const { config } = makeClient(ts.baseUrl, { id: CLIENT.id, secret: 'not-the-secret' });
    const failure = await failureOf(config.oauthClient.getAccesstokenObj(CLIENT_CREDENTIALS));
    expect(failure.name).toBe('FDKServerResponseError');
    expect(failure.code).toBe(401);
    expect(failure.message).toMatch(/credentials/);
  });

  it('createUser returns the customer, which getCustomers then finds by email, phone and a JSON filter', async () => {
    const a = await create('alice', { gender: 'female', meta: { tier: 'gold' }, external_id: 'ext-1' });
    expect(a.user).toMatchObject({
      user_id: a.user_id,
      _id: a.user_id,
      application_id: APP,
      first_name: 'alice',
      last_name: 'Tester',
      gender: 'female',
      meta: { tier: 'gold' },
      external_id: 'ext-1',
      active: true,
      phone_numbers: [{ phone: a.phone, country_code: 91, primary: true }],
      emails: [{ email: a.email, primary: true }],
    });
    expect(a.user.username).toMatch(new RegExp(`^${a.phone}_`));

    const byEmail = await findByEmail(a.email);
    expect(byEmail.map((c) => c.user_id)).toEqual([a.user_id]);
    const byPhone = await user.getCustomers({ q: a.phone });
    expect(byPhone.items?.map((c) => c.user_id)).toEqual([a.user_id]);
    expect(byPhone.page).toMatchObject({ current: 1, size: 10, item_total: 1, has_next: false });
    const byIntlPhone = await user.getCustomers({ q: `+91${a.phone}` });
    expect(byIntlPhone.items?.map((c) => c.user_id)).toEqual([a.user_id]);

    const b = await create('bob');
    const either = await user.getCustomers({
      q: JSON.stringify({ $or: [{ 'emails.email': a.email }, { 'phoneNumbers.phone': b.phone }] }),
    });
    expect(either.items?.map((c) => c.user_id).sort()).toEqual([a.user_id, b.user_id].sort());
    expect(either.page?.item_total).toBe(2);

    const nobody = await user.getCustomers({ q: 'nobody@example.com' });
    expect(nobody.items).toEqual([]);
    expect(nobody.page?.item_total).toBe(0);
  });

  it('getCustomers pages with page_no/page_size and reports the page', async () => {
    const made = [];
    for (let i = 0; i < 5; i += 1) made.push(await create('pager', { last_name: 'Pagination' }));
    const q = JSON.stringify({ last_name: 'Pagination' });
    const pages = [];
    for (const pageNo of [1, 2, 3]) pages.push(await user.getCustomers({ q, pageNo, pageSize: 2 }));
    expect(pages.map((p) => p.page)).toEqual([
      expect.objectContaining({ type: 'number', current: 1, size: 2, item_total: 5, has_next: true }),
      expect.objectContaining({ type: 'number', current: 2, size: 2, item_total: 5, has_next: true }),
      expect.objectContaining({ type: 'number', current: 3, size: 2, item_total: 5, has_next: false }),
    ]);
    expect(pages.map((p) => p.items?.length)).toEqual([2, 2, 1]);
    const seen = pages.flatMap((p) => p.items?.map((c) => c.user_id) ?? []);
    // Newest first, every customer exactly once across the pages.
    expect(seen).toEqual(made.map((m) => m.user_id).reverse());

    const beyond = await user.getCustomers({ q, pageNo: 4, pageSize: 2 });
    expect(beyond.items).toEqual([]);
    expect(beyond.page).toMatchObject({ current: 4, item_total: 5, has_next: false });

    const defaults = await user.getCustomers({});
    expect(defaults.page).toMatchObject({ current: 1, size: 10 });
    expect(defaults.page?.item_total).toBeGreaterThanOrEqual(5);
  });

  it('searchUsers finds by q and by several query values', async () => {
    const a = await create('sam');
    const b = await create('sue');
    const c = await create('sid');
    const byQ = await user.searchUsers({ q: a.email });
    expect(byQ.users?.map((u) => u.user_id)).toEqual([a.user_id]);
    const several = await user.searchUsers({ query: [a.email, b.phone, 'missing@example.com'] });
    expect(several.users?.map((u) => u.user_id).sort()).toEqual([a.user_id, b.user_id].sort());
    expect(several.users?.map((u) => u.user_id)).not.toContain(c.user_id);
    const none = await user.searchUsers({ query: ['missing@example.com'] });
    expect(none.users).toEqual([]);
  });

  it('updateUser changes names and meta and replaces the phone and email lists', async () => {
    const a = await create('ursula', { meta: { keep: false } });
    const next = { phone: identity('x').phone, email: identity('ursula.new').email };
    const reply = await user.updateUser({
      userId: a.user_id,
      body: {
        first_name: 'Ursula',
        last_name: 'Updated',
        meta: { keep: true, level: 3 },
        phone_numbers: [
          { phone: a.phone, country_code: '91', primary: false, verified: true, active: true },
          { phone: next.phone, country_code: '91', primary: true, verified: false, active: true },
        ],
        emails: [{ email: next.email, primary: true, verified: true, active: true }],
      },
    });
    expect(reply.user).toMatchObject({
      user_id: a.user_id,
      first_name: 'Ursula',
      last_name: 'Updated',
      meta: { keep: true, level: 3 },
      phone_numbers: [
        { phone: a.phone, country_code: 91, primary: false, verified: true },
        { phone: next.phone, country_code: 91, primary: true, verified: false },
      ],
      emails: [{ email: next.email, primary: true }],
    });
    const [readBack] = await findByEmail(next.email);
    expect(readBack).toEqual(reply.user);
    // The dropped email no longer finds the customer, and is free for someone else.
    expect(await findByEmail(a.email)).toEqual([]);
    const reuse = await user.createUser({ body: { phone_number: identity('y').phone, email: a.email, username: '' } });
    expect(reuse.user?.user_id).not.toBe(a.user_id);
    // Both phone numbers now find her.
    expect((await user.getCustomers({ q: next.phone })).items?.map((c) => c.user_id)).toEqual([a.user_id]);
    expect((await user.getCustomers({ q: a.phone })).items?.map((c) => c.user_id)).toEqual([a.user_id]);
  });

  it('blockOrUnblockUsers: status false blocks, true unblocks, and the reason is required', async () => {
    const a = await create('blocky');
    const b = await create('blocko');
    const blocked = await user.blockOrUnblockUsers({ body: { status: false, user_id: [a.user_id, b.user_id], reason: 'fraud check' } });
    expect(blocked).toEqual({ success: true });
    for (const who of [a, b]) {
      const [c] = await findByEmail(who.email);
      expect(c).toMatchObject({ user_id: who.user_id, active: false });
    }
    const unblocked = await user.blockOrUnblockUsers({ body: { status: true, user_id: [a.user_id], reason: 'cleared' } });
    expect(unblocked).toEqual({ success: true });
    expect((await findByEmail(a.email))[0]).toMatchObject({ active: true });
    expect((await findByEmail(b.email))[0]).toMatchObject({ active: false });

    // The SDK's model leaves `reason` optional; this service requires it and says so.
    const noReason = await failureOf(user.blockOrUnblockUsers({ body: { status: false, user_id: [a.user_id] } }));
    expect(noReason).toMatchObject({ name: 'FDKServerResponseError', code: 400 });
    expect(noReason.message).toContain('body.reason');
    expect((await findByEmail(a.email))[0]).toMatchObject({ active: true });

    const unknown = await failureOf(
      user.blockOrUnblockUsers({ body: { status: false, user_id: [a.user_id, 'ffffffffffffffffffffffff'], reason: 'x' } }),
    );
    expect(unknown.code).toBe(404);
    // All or nothing: the known user was not blocked either.
    expect((await findByEmail(a.email))[0]).toMatchObject({ active: true });
  });

  it('archiveUser hides the customer and frees its email; unDeleteUser is refused while it is taken', async () => {
    const first = await create('archie');
    expect(await user.archiveUser({ body: { user_id: first.user_id } })).toEqual({ success: true });
    expect(await findByEmail(first.email)).toEqual([]);
    expect((await user.getCustomers({ q: first.phone })).items).toEqual([]);
    // Still visible to search, marked archived.
    const searched = await user.searchUsers({ q: first.email });
    expect(searched.users).toEqual([expect.objectContaining({ user_id: first.user_id, archive: true })]);

    const second = await user.createUser({ body: { phone_number: identity('z').phone, email: first.email, username: '' } });
    const secondId = second.user?.user_id;
    if (secondId === undefined) throw new Error('createUser returned no user_id');
    expect(secondId).not.toBe(first.user_id);
    expect((await findByEmail(first.email)).map((c) => c.user_id)).toEqual([secondId]);

    const refused = await failureOf(user.unDeleteUser({ body: { user_id: first.user_id, reason: 'customer asked' } }));
    expect(refused).toMatchObject({ name: 'FDKServerResponseError', code: 409 });
    expect(refused.message).toMatch(/email/);
    expect((await findByEmail(first.email)).map((c) => c.user_id)).toEqual([secondId]);

    expect(await user.archiveUser({ body: { user_id: secondId } })).toEqual({ success: true });
    expect(await user.unDeleteUser({ body: { user_id: first.user_id, reason: 'customer asked' } })).toEqual({ success: true });
    const [restored] = await findByEmail(first.email);
    expect(restored).toMatchObject({ user_id: first.user_id, archive: false, active: true, phone_numbers: [{ phone: first.phone }] });
  });

  it('surfaces a duplicate phone number as a 409 naming the phone', async () => {
    const a = await create('dupe');
    const failure = await failureOf(
      user.createUser({ body: { phone_number: a.phone, email: identity('dupe2').email, username: '' } }),
    );
    expect(failure.name).toBe('FDKServerResponseError');
    expect(failure.code).toBe(409);
    expect(failure.message).toMatch(/phone/);
    expect((await user.getCustomers({ q: a.phone })).items?.map((c) => c.user_id)).toEqual([a.user_id]);
  });

  it('surfaces a validation error as a 400 naming the field, and writes nothing', async () => {
    const id = identity('invalid');
    const failure = await failureOf(user.createUser({ body: { phone_number: id.phone, email: 'not-an-email', username: '' } }));
    expect(failure).toMatchObject({ name: 'FDKServerResponseError', code: 400 });
    expect(failure.message).toContain('body.email');
    expect(failure.details).toMatchObject({ success: false, errors: [expect.objectContaining({ field: 'body.email' })] });
    expect((await user.getCustomers({ q: id.phone })).items).toEqual([]);

    const badPhone = await failureOf(user.createUser({ body: { phone_number: '12', username: '' } }));
    expect(badPhone.code).toBe(400);
    expect(badPhone.message).toContain('body.phone_number');

    const badFilter = await failureOf(user.getCustomers({ q: JSON.stringify({ password: 'x' }) }));
    expect(badFilter.code).toBe(400);
    expect(badFilter.message).toContain('q.password');
  });

  it('the SDK refuses, before sending, a createUser without the phone number', async () => {
    // Client-side Joi validation; proves the SDK, not the server, would catch it.
    const failure = await failureOf(user.createUser({ body: { username: '' } as unknown as { phone_number: string; username: string } }));
    expect(failure.name).toBe('FDKClientValidationError');
    expect(failure.message).toContain('phone_number');
  });
});

describe('platform auth and error rules (plain fetch)', () => {
  let ts: TestService;
  const expectError = (res: { status: number; body: Record<string, unknown> }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.message).toBe('string');
    expect(String(res.body.message).length).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    ts = await startTestService();
  });
  afterAll(async () => {
    await ts.close();
  });

  it('answers 200 with a valid token (the baseline the refusals below differ from)', async () => {
    const res = await call('GET', `${ts.platformBase}/customers/list`, await ts.token());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: [], page: { item_total: 0 } });
  });

  it('no token → 401, bad token → 401', async () => {
    expectError(await call('GET', `${ts.platformBase}/customers/list`, undefined), 401);
    expectError(await call('GET', `${ts.platformBase}/customers/list`, 'not-a-jwt'), 401);
    const token = await ts.token();
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expectError(await call('GET', `${ts.platformBase}/customers/list`, tampered), 401);
  });

  it("a company 560 token on company 559's path → 403", async () => {
    const other = await ts.token(OTHER_CLIENT, OTHER_COMPANY);
    expectError(await call('GET', `${ts.platformBase}/customers/list`, other), 403);
    const created = await call('POST', `${ts.platformBase}/customers`, other, { phone_number: '9123456780', username: 'nope' });
    expectError(created, 403);
    // And it does work on its own company's path.
    const own = `${ts.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}/customers/list`;
    expect((await call('GET', own, other)).status).toBe(200);
  });

  it('an application not registered for the company → 404', async () => {
    const token = await ts.token();
    const base = `${ts.baseUrl}/service/platform/user/v1.0/company/${COMPANY}/application`;
    expectError(await call('GET', `${base}/ffffffffffffffffffffffff/customers/list`, token), 404);
    // Registered, but under company 560.
    expectError(await call('GET', `${base}/${OTHER_APP}/customers/list`, token), 404);
  });

  it('unknown route → 404 JSON', async () => {
    expectError(await call('GET', `${ts.platformBase}/no-such-thing`, await ts.token()), 404);
    expectError(await call('GET', `${ts.baseUrl}/no/such/route`, undefined), 404);
  });

  it('a path that cannot be decoded → 400 naming the path', async () => {
    const bad = await call('GET', `${ts.platformBase}/customers/%E0%A4%A`, await ts.token());
    expectError(bad, 400);
    expect(String(bad.body.message)).toContain('path');
  });

  it('a body over 1 MiB → 413; invalid JSON → 400', async () => {
    const token = await ts.token();
    const big = JSON.stringify({ phone_number: '9123456780', meta: { blob: 'x'.repeat(1024 * 1024 + 16) } });
    const tooLarge = await fetch(`${ts.platformBase}/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: big,
    });
    expectError({ status: tooLarge.status, body: (await tooLarge.json()) as Record<string, unknown> }, 413);

    const broken = await fetch(`${ts.platformBase}/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"phone_number": "9123456780",',
    });
    const brokenBody = (await broken.json()) as Record<string, unknown>;
    expectError({ status: broken.status, body: brokenBody }, 400);
    expect(String(brokenBody.message)).toMatch(/JSON/);
    // Neither request wrote anything.
    expect((await call('GET', `${ts.platformBase}/customers/list`, token)).body.items).toEqual([]);
  });
});
