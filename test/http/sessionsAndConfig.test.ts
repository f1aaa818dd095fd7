import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSession } from '../../src/commands/session/sessions.js';
import { ManualClock } from '../../src/shared/clock.js';
import { call, startTestService, type TestService } from '../support/testService.js';

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService;
let token: string;
let n = 0;

async function customer() {
  n += 1;
  const res = await call('POST', `${t.platformBase}/customers`, token, { phone_number: `93000000${String(n).padStart(2, '0')}` });
  expect(res.status).toBe(200);
  return (res.body.user as { _id: string })._id;
}
async function session(userId: string) {
  const res = await call('POST', `${t.platformBase}/customers/session`, token, { user_id: userId, domain: 'shop.example.com' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { max_age: number; cookie: Record<string, string> };
}
const sessionsOf = async (userId: string) =>
  ((await call('GET', `${t.platformBase}/customers/sessions?id=${userId}`, token)).body.items as Array<{ session_id: string; expire_in: string }>);
const isValid = async (cookieToken: string) => (await validateSession(t.service.sessionDeps, cookieToken)) !== null;

beforeAll(async () => {
  // The test moves the clock by hours; a day-long platform token outlives it.
  t = await startTestService({ TOKEN_TTL_SECONDS: '86400' }, { clock });
  token = await t.token();
});
afterAll(async () => t.close());

describe('platform config', () => {
  it('returns a complete default config before anyone has set it', async () => {
    const res = await call('GET', `${t.platformBase}/platform/config`, token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      login: { password: true, otp: true },
      session_config: { duration: 30, type: 'days', is_rolling: false },
      register_required_fields: { mobile: { is_required: true, level: 'hard' } },
      password_settings: { min_length: 8, lockout: { max_attempts: 5, duration_minutes: 15 }, history_count: 0 },
      delete_account_day: 7,
    });
    expect(Array.isArray(res.body.delete_account_reasons)).toBe(true);
  });

  it('validates the whole document and names the bad field, changing nothing', async () => {
    for (const [patch, field] of [
      [{ session_config: { duration: -1 } }, 'body.session_config.duration'],
      [{ session_config: { type: 'fortnights' } }, 'body.session_config.type'],
      [{ required_fields: { email: { level: 'sometimes' } } }, 'body.required_fields.email.level'],
      [{ login: { password: false, otp: false } }, 'body.login'],
      [{ password_settings: { min_length: 4 } }, 'body.password_settings.min_length'],
      [{ delete_account_day: 'soon' }, 'body.delete_account_day'],
    ] as const) {
      const res = await call('POST', `${t.platformBase}/platform/config`, token, patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(String(res.body.message)).toContain(field);
    }
    const after = await call('GET', `${t.platformBase}/platform/config`, token);
    expect(after.body.session_config).toEqual({ duration: 30, type: 'days', is_rolling: false });
  });

  it('stores an update as an event with its actor and never returns a provider secret', async () => {
    const res = await call('POST', `${t.platformBase}/platform/config`, token, {
      _id: 'ignored',
      __v: 3,
      social_tokens: { google: { app_id: 'g-app', app_secret: 'g-secret-value' } },
      social: { google: true },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ social: { google: true }, social_tokens: { google: { app_id: 'g-app', app_secret: '********' } } });
    expect(JSON.stringify(res.body)).not.toContain('g-secret-value');
    const events = t.service.db.prepare("SELECT data, metadata FROM events WHERE type = 'PlatformConfigUpdated'").all() as Array<{ data: string; metadata: string }>;
    expect(events.some((e) => e.data.includes('g-secret-value'))).toBe(false);
    expect(JSON.parse(events.at(-1)!.metadata).actor).toEqual({ type: 'platform_client', id: 'client-559' });
    // Sending the mask back keeps the secret.
    await call('POST', `${t.platformBase}/platform/config`, token, { social_tokens: { google: { app_id: 'g-app2', app_secret: '********' } } });
    const stored = await t.service.readStore.platformConfigs.get('000000000000000000000001');
    expect(stored?.config.social_tokens.google.app_id).toBe('g-app2');
    expect(t.service.cipher.decrypt(stored!.config.social_tokens.google.app_secret)).toBe('g-secret-value');
  });
});

describe('customer sessions', () => {
  it('creates a session whose cookie the storefront can use, with the configured expiry', async () => {
    await call('POST', `${t.platformBase}/platform/config`, token, { session_config: { duration: 2, type: 'hours', is_rolling: false } });
    const userId = await customer();
    const created = await session(userId);
    expect(created).toMatchObject({ domain: 'shop.example.com', max_age: 7200, secure: true, http_only: true });
    const cookie = created.cookie['f.session']!;
    expect(Buffer.from(cookie, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(await isValid(cookie)).toBe(true);
    const listed = await sessionsOf(userId);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ domain: 'shop.example.com', expire_in: '2026-11-27T12:00:00.000Z' });
    expect(Buffer.from(listed[0]!.session_id, 'hex').length).toBeGreaterThanOrEqual(16);
    const stored = t.service.db.prepare('SELECT * FROM sessions').all() as Array<Record<string, unknown>>;
    expect(JSON.stringify(stored)).not.toContain(cookie);
    clock.advance(2 * 3600_000);
    expect(await isValid(cookie)).toBe(false);
    expect(await sessionsOf(userId)).toEqual([]);
  });

  it('gives session ids that sort by start time and carry 128 random bits after the time', async () => {
    const userId = await customer();
    await session(userId);
    await session(userId);
    clock.advance(1);
    await session(userId);
    const ids = (await sessionsOf(userId)).map((s) => s.session_id);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{44}$/);
    // Started in the same millisecond: the same time, different random parts.
    expect(ids[0]!.slice(0, 12)).toBe(ids[1]!.slice(0, 12));
    expect(ids[0]!.slice(12)).not.toBe(ids[1]!.slice(12));
    expect(ids[2]! > ids[0]! && ids[2]! > ids[1]!).toBe(true);
  });

  it('rolls a rolling session forward on use, up to the duration again', async () => {
    await call('POST', `${t.platformBase}/platform/config`, token, { session_config: { duration: 30, type: 'minutes', is_rolling: true } });
    const cookie = (await session(await customer())).cookie['f.session']!;
    for (let i = 0; i < 4; i += 1) {
      clock.advance(20 * 60_000);
      expect(await isValid(cookie)).toBe(true);
    }
    clock.advance(31 * 60_000);
    expect(await isValid(cookie)).toBe(false);
  });

  it('ends one session or all with a reason, and the audit trail keeps it', async () => {
    await call('POST', `${t.platformBase}/platform/config`, token, { session_config: { duration: 1, type: 'days', is_rolling: false } });
    const userId = await customer();
    const [a, b, c] = [await session(userId), await session(userId), await session(userId)];
    const [first] = await sessionsOf(userId);
    const noReason = await call('DELETE', `${t.platformBase}/customers/session?id=${userId}&session_id=${first!.session_id}`, token);
    expect(noReason.status).toBe(400);
    expect(String(noReason.body.message)).toContain('query.reason');
    const one = await call('DELETE', `${t.platformBase}/customers/session?id=${userId}&session_id=${first!.session_id}&reason=lost%20phone`, token);
    expect(one.body).toEqual({ user_id: userId, session_id: first!.session_id });
    expect(await isValid(a.cookie['f.session']!)).toBe(false);
    const again = await call('DELETE', `${t.platformBase}/customers/session?id=${userId}&session_id=${first!.session_id}&reason=x`, token);
    expect(again.status).toBe(404);
    const all = await call('DELETE', `${t.platformBase}/customers/sessions?id=${userId}&reason=security%20review`, token);
    expect((all.body.session_ids as string[]).length).toBe(2);
    expect(await isValid(b.cookie['f.session']!)).toBe(false);
    expect(await isValid(c.cookie['f.session']!)).toBe(false);
    const ended = t.service.db.prepare("SELECT version, data, metadata FROM events WHERE type = 'SessionEnded'").all() as Array<{ version: number; data: string; metadata: string }>;
    const reasons = ended.map((e) => (JSON.parse(e.data) as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(['lost phone', 'security review']));
    // Written at the current version: v2 says who ended it.
    expect(ended.every((e) => e.version === 2 && (JSON.parse(e.data) as { ended_by: string }).ended_by === 'platform')).toBe(true);
  });

  it('refuses sessions for unknown, blocked or archived customers and ends sessions on block and archive', async () => {
    expect((await call('POST', `${t.platformBase}/customers/session`, token, { user_id: 'ffffffffffffffffffffffff', domain: 'a.com' })).status).toBe(404);
    const blocked = await customer();
    const cookie = (await session(blocked)).cookie['f.session']!;
    await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [blocked], reason: 'fraud' });
    expect(await isValid(cookie)).toBe(false);
    expect((await call('POST', `${t.platformBase}/customers/session`, token, { user_id: blocked, domain: 'a.com' })).status).toBe(409);
    const archived = await customer();
    const cookie2 = (await session(archived)).cookie['f.session']!;
    await call('PUT', `${t.platformBase}/customers/archive`, token, { user_id: archived });
    expect(await isValid(cookie2)).toBe(false);
    expect((await call('POST', `${t.platformBase}/customers/session`, token, { user_id: archived, domain: 'a.com' })).status).toBe(409);
    const missingDomain = await call('POST', `${t.platformBase}/customers/session`, token, { user_id: blocked });
    expect(String(missingDomain.body.message)).toContain('body.domain');
  });
});
