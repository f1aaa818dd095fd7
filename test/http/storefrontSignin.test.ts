import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { expectApplicationModel } from '../support/applicationModels.js';
import { newIdentity, registerShopper, startStorefrontService, storefront, type CapturingNotifier } from '../support/storefront.js';
import { APP, call, type TestService } from '../support/testService.js';

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService & { notifier: CapturingNotifier };
let platformToken: string;

const A = '/authentication/v1.0';
const login = (username: string, password: string) => storefront(t, 'POST', `${A}/login/password`, { username, password });
const me = (session?: string) => storefront(t, 'GET', `${A}/session`, undefined, session);
const setConfig = async (patch: Record<string, unknown>) => {
  const res = await call('POST', `${t.platformBase}/platform/config`, platformToken, patch);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
/** Through the log's codec: personal fields (the IP of a failed sign-in) are encrypted in the table. */
const eventsOf = (userId: string, type: string) =>
  t.service.eventStore
    .readAllSync({ limit: 100_000, streamPrefixes: [`user-${userId}`, `signInFailures-${userId}`] })
    .filter((e) => e.type === type)
    .map((e) => e.data as Record<string, unknown>);

beforeAll(async () => {
  t = await startStorefrontService({}, { clock });
  platformToken = await t.token();
});
afterAll(async () => t.close());

describe('storefront authentication of the sales channel', () => {
  it('refuses a missing or wrong application token with 401 and serves the right one', async () => {
    expect((await storefront(t, 'GET', '/platform/v1.0/config', undefined, undefined, '')).status).toBe(401);
    const wrong = `Bearer ${Buffer.from(`${APP}:not-the-token`).toString('base64')}`;
    const refused = await storefront(t, 'GET', '/platform/v1.0/config', undefined, undefined, wrong);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ success: false, code: 'unauthorized' });
    const unknownApp = `Bearer ${Buffer.from('ffffffffffffffffffffffff:app-token-0001').toString('base64')}`;
    expect((await storefront(t, 'GET', '/platform/v1.0/config', undefined, undefined, unknownApp)).status).toBe(401);
    const config = await storefront(t, 'GET', '/platform/v1.0/config');
    expect(config.status).toBe(200);
    expectApplicationModel('PlatformSchema', config.body);
  });

  it('shows provider app ids but never a provider secret, under the storefront spelling', async () => {
    await setConfig({ social_tokens: { google: { app_id: 'g-app', app_secret: 'g-secret-value' } } });
    const config = await storefront(t, 'GET', '/platform/v1.0/config');
    expect(config.body.social_tokens).toEqual({ facebook: { app_id: '' }, accountkit: { app_id: '' }, google: { app_id: 'g-app' }, apple: { app_id: '' } });
    expect(JSON.stringify(config.body)).not.toContain('secret');
    expect(config.body).toMatchObject({ login: { password: true, otp: true }, password_settings: { min_length: 8 } });
  });
});

describe('register → verify → login → session → logout', () => {
  it('walks the whole path with the default config', async () => {
    const id = newIdentity('path');
    const form = await storefront(t, 'POST', `${A}/register/form`, {
      first_name: 'Ann',
      email: id.email,
      password: id.password,
      phone: { mobile: id.mobile, country_code: '91' },
    });
    expect(form.status, JSON.stringify(form.body)).toBe(200);
    expectApplicationModel('RegisterFormSuccess', form.body);
    expect(form.body).toMatchObject({ success: true, verify_mobile_otp: true, verify_email_otp: false, user_exists: false, mobile: id.mobile, country_code: '91' });
    expect(form.session).toBeUndefined();
    expect(String(form.body.request_id)).toMatch(/^[0-9a-f]{32}$/);
    expect((await storefront(t, 'GET', `${A}/user-exists?q=${encodeURIComponent(id.email)}`)).body).toEqual({ user_exists: false });

    const otp = t.notifier.otp(`+91${id.mobile}`, 'otp_register');
    expect(otp).toMatch(/^\d{6}$/);
    const verified = await storefront(t, 'POST', `${A}/otp/mobile/verify`, { request_id: form.body.request_id, otp, register_token: form.body.register_token });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expectApplicationModel('VerifyOtpSuccess', verified.body);
    const cookie = verified.setCookie.find((c) => c.startsWith('f.session='));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Max-Age=2592000/);
    const user = verified.body.user as { user_id: string; phone_numbers: Array<{ verified: boolean }>; emails: Array<{ verified: boolean }> };
    expect(user.phone_numbers[0]?.verified).toBe(true);
    expect(user.emails[0]?.verified).toBe(false);
    expect(JSON.stringify(verified.body)).not.toMatch(/argon2|password_hash/);
    expect((await storefront(t, 'GET', `${A}/user-exists?q=${encodeURIComponent(id.email)}`)).body).toEqual({ user_exists: true });

    // The soft-level email is verified from its link.
    const link = t.notifier.last('email_verification_link', id.email).data.code ?? '';
    const emailVerified = await storefront(t, 'POST', `${A}/verify/email`, { code: link });
    expect(emailVerified.status, JSON.stringify(emailVerified.body)).toBe(200);
    expectApplicationModel('VerifyEmailSuccess', emailVerified.body);
    expect((await storefront(t, 'POST', `${A}/verify/email`, { code: link })).status).toBe(400);

    for (const username of [id.email, id.email.toUpperCase(), id.mobile, `+91${id.mobile}`]) {
      const signedIn = await login(username, id.password);
      expect(signedIn.status, `${username}: ${JSON.stringify(signedIn.body)}`).toBe(200);
      expectApplicationModel('LoginSuccess', signedIn.body);
      expect(signedIn.session).toBeDefined();
    }
    const session = (await login(id.email, id.password)).session;
    const current = await me(session);
    expect(current.status).toBe(200);
    expectApplicationModel('UserObjectSchema', current.body);
    expect((current.body.user as { emails: Array<{ verified: boolean }> }).emails[0]?.verified).toBe(true);
    const hasPassword = await storefront(t, 'GET', `${A}/has-password`, undefined, session);
    expect(hasPassword.body).toEqual({ result: 1 });
    expectApplicationModel('HasPasswordSuccess', hasPassword.body);
    const sessions = await storefront(t, 'GET', `${A}/sessions`, undefined, session);
    expectApplicationModel('SessionListSuccess', sessions.body);
    expect((sessions.body.sessions as string[]).length).toBe(6);

    const out = await storefront(t, 'GET', `${A}/logout`, undefined, session);
    expect(out.body).toEqual({ logout: true });
    expectApplicationModel('LogoutSuccess', out.body);
    expect(out.setCookie.some((c) => /^f\.session=;.*Max-Age=0/.test(c))).toBe(true);
    expect((await me(session)).status).toBe(401);
    expect((await storefront(t, 'GET', `${A}/sessions`, undefined, verified.session)).body.sessions).toHaveLength(5);
    const ended = eventsOf(user.user_id, 'UserPasswordSet');
    expect(ended).toEqual([expect.objectContaining({ reason: 'registration' })]);
  });

  it('answers 401 without a session cookie, with a forged one, or one of another sales channel', async () => {
    expect((await me()).status).toBe(401);
    expect((await me('forged-token')).status).toBe(401);
    expect((await storefront(t, 'GET', `${A}/logout`)).status).toBe(401);
    expect((await storefront(t, 'GET', `${A}/has-password`)).status).toBe(401);
  });

  it('refuses a second registration of the same email or number', async () => {
    const shopper = await registerShopper(t, 'twice');
    const again = await storefront(t, 'POST', `${A}/register/form`, { email: shopper.email, password: 'another long one', phone: { mobile: '9123400000' } });
    expect(again.status).toBe(409);
    expect(String(again.body.message)).toContain('body.email');
  });
});

describe('the sales channel config decides', () => {
  it('turns password sign-in off and on, from the next request', async () => {
    const shopper = await registerShopper(t, 'cfg');
    await setConfig({ login: { password: false, otp: true } });
    const off = await login(shopper.email, shopper.password);
    expect(off.status).toBe(403);
    expect(off.body.code).toBe('password_login_disabled');
    await setConfig({ login: { password: true, otp: true } });
    expect((await login(shopper.email, shopper.password)).status).toBe(200);
  });

  it('requires the fields register_required_fields asks for, and their verification when hard', async () => {
    await setConfig({ register_required_fields: { email: { is_required: true, level: 'hard' }, mobile: { is_required: false, level: 'soft' } } });
    try {
      const id = newIdentity('hard-email');
      const missing = await storefront(t, 'POST', `${A}/register/form`, { password: id.password, phone: { mobile: id.mobile } });
      expect(missing.status).toBe(400);
      expect(String(missing.body.message)).toContain('body.email');
      const form = await storefront(t, 'POST', `${A}/register/form`, { email: id.email, password: id.password });
      expect(form.body).toMatchObject({ verify_email_otp: true, verify_mobile_otp: false });
      const otp = t.notifier.otp(id.email, 'otp_register');
      const wrongRecipient = await storefront(t, 'POST', `${A}/otp/email/verify`, { email: id.email, otp: otp === '000000' ? '111111' : '000000', register_token: form.body.register_token });
      expect(wrongRecipient.status).toBe(400);
      const done = await storefront(t, 'POST', `${A}/otp/email/verify`, { email: id.email, otp, register_token: form.body.register_token });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.session).toBeDefined();
      expect((done.body.user as { emails: Array<{ verified: boolean }> }).emails[0]?.verified).toBe(true);
    } finally {
      await setConfig({ register_required_fields: { email: { is_required: false, level: 'soft' }, mobile: { is_required: true, level: 'hard' } } });
    }
  });

  it('turns registration off', async () => {
    await setConfig({ register: false });
    const id = newIdentity('closed');
    const res = await storefront(t, 'POST', `${A}/register/form`, { email: id.email, password: id.password, phone: { mobile: id.mobile } });
    await setConfig({ register: true });
    expect(res.status).toBe(403);
  });

  it('applies password_settings and session_config', async () => {
    await setConfig({ password_settings: { min_length: 12 }, session_config: { duration: 2, type: 'hours', is_rolling: false } });
    try {
      const id = newIdentity('rules');
      const short = await storefront(t, 'POST', `${A}/register/form`, { email: id.email, password: 'elevenchars', phone: { mobile: id.mobile } });
      expect(short.status).toBe(400);
      expect(short.body.message).toBe('body.password: must be at least 12 characters');
      const common = await storefront(t, 'POST', `${A}/register/form`, { email: id.email, password: '1qaz2wsx3edc', phone: { mobile: id.mobile } });
      expect(String(common.body.message)).toContain('too common');
      const shopper = await registerShopper(t, 'rules2');
      const signedIn = await login(shopper.email, shopper.password);
      expect(signedIn.setCookie.join()).toContain('Max-Age=7200');
      clock.advance(2 * 3600_000);
      expect((await me(signedIn.session)).status).toBe(401);
    } finally {
      await setConfig({ password_settings: { min_length: 8 }, session_config: { duration: 30, type: 'days', is_rolling: false } });
    }
  });
});

describe('lockout', () => {
  it('locks after 5 failures for 15 minutes with the same answer as a wrong password, and records it', async () => {
    const shopper = await registerShopper(t, 'lock');
    const wrong = await login(shopper.email, 'not the password');
    expect(wrong.status).toBe(401);
    for (let i = 0; i < 4; i += 1) await login(shopper.email, 'still not it');
    const locked = await login(shopper.email, shopper.password);
    expect(locked.status).toBe(wrong.status);
    expect(locked.body).toEqual(wrong.body);
    clock.advance(14 * 60_000);
    expect((await login(shopper.email, shopper.password)).status).toBe(401);
    clock.advance(60_000);
    const open = await login(shopper.email, shopper.password);
    expect(open.status).toBe(200);
    const failures = eventsOf(shopper.user_id, 'UserLoginFailed');
    expect(failures.map((f) => [f.attempt, f.reason])).toEqual([
      [1, 'wrong_password'],
      [2, 'wrong_password'],
      [3, 'wrong_password'],
      [4, 'wrong_password'],
      [5, 'wrong_password'],
      [6, 'account_locked'],
      [7, 'account_locked'],
    ]);
    expect(failures[0]).toMatchObject({ method: 'password', ip: expect.stringContaining('127.0.0.1') });
    expect(failures.every((f) => f.user_id === shopper.user_id)).toBe(true);
    expect(eventsOf(shopper.user_id, 'UserLockedOut')).toEqual([{ user_id: shopper.user_id, until: expect.any(String), attempts: 5 }]);
    // Not in the customer's own stream, which every sign-in reads: guesses do not make it longer.
    const own = await t.service.eventStore.readStream(`user-${shopper.user_id}`);
    expect(own.map((e) => e.type).filter((type) => type === 'UserLoginFailed' || type === 'UserLockedOut')).toEqual([]);
    // A success starts the count again.
    for (let i = 0; i < 4; i += 1) await login(shopper.email, 'wrong again');
    expect((await login(shopper.email, shopper.password)).status).toBe(200);
  });

  it('counts 50 concurrent wrong passwords as 50, locking once', async () => {
    const shopper = await registerShopper(t, 'burst');
    const replies = await Promise.all(Array.from({ length: 50 }, () => login(shopper.email, 'guess guess guess')));
    expect(replies.every((r) => r.status === 401)).toBe(true);
    const failures = eventsOf(shopper.user_id, 'UserLoginFailed');
    expect(failures.map((f) => f.attempt).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(eventsOf(shopper.user_id, 'UserLockedOut')).toHaveLength(1);
    expect((await login(shopper.email, shopper.password)).status).toBe(401);
  });
});

describe('enumeration safety of password sign-in', () => {
  it('answers an unknown account and a wrong password alike, in the same time', async () => {
    const shopper = await registerShopper(t, 'enum');
    const unknown = await login('nobody.at.all@example.com', shopper.password);
    const wrong = await login(shopper.email, 'wrong password here');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.setCookie).toEqual(wrong.setCookie);
    const timings: { unknown: number[]; wrong: number[] } = { unknown: [], wrong: [] };
    for (let i = 0; i < 10; i += 1) {
      // Interleaved, so that load from elsewhere on the machine falls on both alike.
      for (const kind of ['unknown', 'wrong'] as const) {
        const started = performance.now();
        await login(kind === 'unknown' ? `nobody${i}@example.com` : shopper.email, 'wrong password here');
        timings[kind].push(performance.now() - started);
      }
      // Past any lock, so that the known account's password really is compared each time; then one
      // request to re-verify the application token, whose cached check the jump expired.
      clock.advance(16 * 60_000);
      await storefront(t, 'GET', '/platform/v1.0/config');
    }
    // The fastest of each: noise from a busy machine only ever adds time, so the minimums show the cost itself.
    expect(Math.abs(Math.min(...timings.unknown) - Math.min(...timings.wrong))).toBeLessThan(10);
  });
});

describe('blocked and archived customers', () => {
  it('cannot sign in, and their sessions stop at once', async () => {
    const shopper = await registerShopper(t, 'blocked');
    const session = (await login(shopper.email, shopper.password)).session;
    expect((await me(session)).status).toBe(200);
    const block = await call('PUT', `${t.platformBase}/customers/activation`, platformToken, { status: false, user_id: [shopper.user_id], reason: 'fraud' });
    expect(block.status).toBe(200);
    expect((await me(session)).status).toBe(401);
    expect((await me(shopper.session)).status).toBe(401);
    const refused = await login(shopper.email, shopper.password);
    expect(refused.status).toBe(403);
    expect(refused.session).toBeUndefined();
    expect((await login(shopper.email, 'a wrong password')).status).toBe(401);
    clock.advance(31_000); // past the resend timer of the registration OTP
    const otp = await storefront(t, 'POST', `${A}/login/otp`, { mobile: shopper.mobile, country_code: '91' });
    expect(otp.status, JSON.stringify(otp.body)).toBe(200);
    const code = t.notifier.otp(`+91${shopper.mobile}`);
    const viaOtp = await storefront(t, 'POST', `${A}/otp/mobile/verify`, { request_id: otp.body.request_id, otp: code });
    expect(viaOtp.status).toBe(403);

    const archived = await registerShopper(t, 'archived');
    await call('PUT', `${t.platformBase}/customers/archive`, platformToken, { user_id: archived.user_id });
    expect((await me(archived.session)).status).toBe(401);
    expect((await login(archived.email, archived.password)).status).toBe(401);
  });
});

describe('changing a password', () => {
  it('checks the old one and the policy, ends the other sessions and tells the user', async () => {
    const shopper = await registerShopper(t, 'change');
    const other = (await login(shopper.email, shopper.password)).session;
    const change = (body: Record<string, string>) => storefront(t, 'POST', `${A}/password`, body, shopper.session);
    expect((await change({ old_password: 'not it at all', new_password: 'a brand new passphrase' })).status).toBe(400);
    const weak = await change({ old_password: shopper.password, new_password: 'qwertyuiop' });
    expect(weak.body.message).toContain('too common');
    const same = await change({ old_password: shopper.password, new_password: shopper.password });
    expect(same.body.message).toBe('body.new_password: must not be your current password');
    const done = await change({ old_password: shopper.password, new_password: 'a brand new passphrase' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expectApplicationModel('VerifyEmailSuccess', done.body);
    expect((await me(shopper.session)).status).toBe(200);
    expect((await me(other)).status).toBe(401);
    expect((await login(shopper.email, shopper.password)).status).toBe(401);
    expect((await login(shopper.email, 'a brand new passphrase')).status).toBe(200);
    expect(t.notifier.last('password_changed', shopper.email).data).toEqual({ at: expect.any(String) });
    expect(t.notifier.count('password_changed', `+91${shopper.mobile}`)).toBe(1);
    expect(eventsOf(shopper.user_id, 'UserPasswordSet').map((e) => e.reason)).toEqual(['registration', 'change']);
    expect(eventsOf(shopper.user_id, 'UserLoginFailed').map((e) => e.method)).toContain('old_password');
  });

  it('refuses the last N passwords when history is on', async () => {
    await setConfig({ password_settings: { history_count: 2 } });
    try {
      const shopper = await registerShopper(t, 'history');
      const change = (old: string, next: string) => storefront(t, 'POST', `${A}/password`, { old_password: old, new_password: next }, shopper.session);
      expect((await change(shopper.password, 'second passphrase one')).status).toBe(200);
      expect((await change('second passphrase one', 'third passphrase two')).status).toBe(200);
      const reuse = await change('third passphrase two', shopper.password);
      expect(reuse.body.message).toBe('body.new_password: must not be one of your last 3 passwords');
    } finally {
      await setConfig({ password_settings: { history_count: 0 } });
    }
  });
});

describe('rate limits', () => {
  it('limits sign-in attempts per account and per IP with 429', async () => {
    const limited = await startStorefrontService({ SIGNIN_RATE_LIMIT_PER_ACCOUNT: '3', SIGNIN_RATE_LIMIT_PER_IP: '6' });
    try {
      const attempt = (username: string) => storefront(limited, 'POST', `${A}/login/password`, { username, password: 'whatever it is' });
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await attempt('someone@example.com')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const more = [];
      for (let i = 0; i < 3; i += 1) more.push((await attempt(`other${i}@example.com`)).status);
      expect(more).toEqual([401, 401, 429]);
      const limitedReply = await attempt('fresh@example.com');
      expect(limitedReply.body).toMatchObject({ success: false, code: 'too_many_requests' });
    } finally {
      await limited.close();
    }
  });
});
