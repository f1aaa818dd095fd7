import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { expectApplicationModel } from '../support/applicationModels.js';
import { APPLICATION_AUTH, newIdentity, registerShopper, startStorefrontService, storefront, type CapturingNotifier } from '../support/storefront.js';
import { call, type TestService } from '../support/testService.js';

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService & { notifier: CapturingNotifier };
let platformToken: string;

const A = '/authentication/v1.0';
const post = (path: string, body: unknown, session?: string) => storefront(t, 'POST', `${A}${path}`, body, session);
const me = (session?: string) => storefront(t, 'GET', `${A}/session`, undefined, session);
const login = (username: string, password: string) => post('/login/password', { username, password });
const setConfig = async (patch: Record<string, unknown>) => {
  expect((await call('POST', `${t.platformBase}/platform/config`, platformToken, patch)).status).toBe(200);
};
/** Past the resend timer of whatever was sent last, and the application token re-checked. */
const later = () => clock.advance(31_000);

beforeAll(async () => {
  t = await startStorefrontService({}, { clock });
  platformToken = await t.token();
});
afterAll(async () => t.close());
beforeEach(() => later());

describe('OTP sign-in by mobile', () => {
  it('sends 6 digits, signs in once with them, and never again with the same code', async () => {
    const shopper = await registerShopper(t, 'otp');
    later();
    const sent = await post('/login/otp', { mobile: shopper.mobile, country_code: '91' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expectApplicationModel('SendOtpResponse', sent.body);
    expect(sent.body).toMatchObject({ success: true, resend_timer: 30, mobile: shopper.mobile, country_code: '91' });
    expect(String(sent.body.request_id)).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(sent.body)).not.toContain('user_exists');
    const otp = t.notifier.otp(`+91${shopper.mobile}`);
    expect(otp).toMatch(/^\d{6}$/);
    const verified = await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp });
    expect(verified.status).toBe(200);
    expectApplicationModel('VerifyOtpSuccess', verified.body);
    expect(verified.body).toMatchObject({ user_exists: true, user: { user_id: shopper.user_id } });
    expect((await me(verified.session)).status).toBe(200);
    const again = await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('otp_used');
    expect(again.session).toBeUndefined();
  });

  it('expires a code after 10 minutes', async () => {
    const shopper = await registerShopper(t, 'expiry');
    later();
    const sent = await post('/login/otp', { mobile: shopper.mobile, country_code: '91' });
    const otp = t.notifier.otp(`+91${shopper.mobile}`);
    clock.advance(10 * 60_000);
    const expired = await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('otp_expired');
  });

  it('allows 5 wrong tries per code, then not even the right one', async () => {
    const shopper = await registerShopper(t, 'tries');
    later();
    const sent = await post('/login/otp', { mobile: shopper.mobile, country_code: '91' });
    const otp = t.notifier.otp(`+91${shopper.mobile}`);
    const wrong = otp === '000000' ? '999999' : '000000';
    for (let i = 0; i < 5; i += 1) expect((await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp: wrong })).body.code).toBe('otp_wrong');
    const blocked = await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp });
    expect(blocked.body.code).toBe('otp_too_many_tries');
  });

  it('counts 50 concurrent wrong guesses as 50', async () => {
    const shopper = await registerShopper(t, 'guesses');
    later();
    const sent = await post('/login/otp', { mobile: shopper.mobile, country_code: '91' });
    const otp = t.notifier.otp(`+91${shopper.mobile}`);
    const wrong = otp === '000000' ? '999999' : '000000';
    const replies = await Promise.all(Array.from({ length: 50 }, () => post('/otp/mobile/verify', { request_id: sent.body.request_id, otp: wrong })));
    const codes = replies.map((r) => r.body.code);
    expect(codes.filter((c) => c === 'otp_wrong')).toHaveLength(5);
    expect(codes.filter((c) => c === 'otp_too_many_tries')).toHaveLength(45);
    expect((await t.service.db.prepare('SELECT tries FROM otp_codes WHERE request_id = ?').get(sent.body.request_id)) as { tries: number }).toEqual({ tries: 50 });
    expect((await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp })).body.code).toBe('otp_too_many_tries');
  });

  it('stores only a hash of the code and a random request id', async () => {
    const id = newIdentity('stored');
    const sent = await post('/otp/mobile/send', { mobile: id.mobile, country_code: '91', action: 'send' });
    expectApplicationModel('OtpSuccess', sent.body);
    const otp = t.notifier.otp(`+91${id.mobile}`);
    const row = t.service.db.prepare('SELECT * FROM otp_codes WHERE request_id = ?').get(sent.body.request_id) as Record<string, unknown>;
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(`"${otp}"`);
  });

  it('refuses a resend sooner than the resend timer, and more than 5 codes an hour to one number', async () => {
    const id = newIdentity('resend');
    const send = () => post('/otp/mobile/send', { mobile: id.mobile, country_code: '91', action: 'resend' });
    expect((await send()).status).toBe(200);
    clock.advance(10_000);
    const early = await send();
    expect(early.status).toBe(429);
    expect(early.body).toMatchObject({ code: 'otp_resend_too_soon', message: 'a new code can be sent in 20 seconds' });
    for (let i = 0; i < 4; i += 1) {
      later();
      expect((await send()).status).toBe(200);
    }
    later();
    const capped = await send();
    expect(capped.status).toBe(429);
    expect(capped.body.code).toBe('otp_hourly_limit');
    expect(t.notifier.count('otp_login', `+91${id.mobile}`)).toBe(5);
    clock.advance(60 * 60_000);
    expect((await send()).status).toBe(200);
  });

  it('honours login.otp: off refuses OTP sign-in', async () => {
    const shopper = await registerShopper(t, 'otp-off');
    later();
    await setConfig({ login: { password: true, otp: false } });
    try {
      expect((await post('/login/otp', { mobile: shopper.mobile, country_code: '91' })).status).toBe(403);
      const sent = await post('/otp/mobile/send', { mobile: shopper.mobile, country_code: '91' });
      const verified = await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp: t.notifier.otp(`+91${shopper.mobile}`) });
      expect(verified.status).toBe(403);
      expect(verified.body.code).toBe('otp_login_disabled');
    } finally {
      await setConfig({ login: { password: true, otp: true } });
    }
  });

  it('uses a 4-digit code when configured', async () => {
    const four = await startStorefrontService({ OTP_LENGTH: '4' });
    try {
      const id = newIdentity('four');
      await storefront(four, 'POST', `${A}/otp/mobile/send`, { mobile: id.mobile, country_code: '91' });
      expect(four.notifier.otp(`+91${id.mobile}`)).toMatch(/^\d{4}$/);
    } finally {
      await four.close();
    }
  });
});

describe('OTP first, registration after', () => {
  it('turns a verified unknown number into a register_token the form accepts as proof', async () => {
    const id = newIdentity('otp-first');
    const sent = await post('/otp/mobile/send', { mobile: id.mobile, country_code: '91' });
    const verified = await post('/otp/mobile/verify', { request_id: sent.body.request_id, otp: t.notifier.otp(`+91${id.mobile}`) });
    expect(verified.body).toMatchObject({ user_exists: false });
    expect(verified.session).toBeUndefined();
    const form = await post('/register/form', {
      first_name: 'Otto',
      password: id.password,
      phone: { mobile: id.mobile, country_code: '91' },
      register_token: verified.body.register_token,
    });
    expect(form.status, JSON.stringify(form.body)).toBe(200);
    expect(form.body).toMatchObject({ success: true, verify_mobile_otp: false });
    expect(form.session).toBeDefined();
    expect((form.body.user as { phone_numbers: Array<{ verified: boolean }> }).phone_numbers[0]?.verified).toBe(true);
  });

  it('refuses a forged or expired register_token', async () => {
    const id = newIdentity('forged');
    const forged = await post('/register/form', { password: id.password, phone: { mobile: id.mobile }, register_token: 'eyJhbGciOiJkaXIifQ..x.y.z' });
    expect(forged.status).toBe(400);
    expect(String(forged.body.message)).toContain('body.register_token');
    const form = await post('/register/form', { password: id.password, phone: { mobile: id.mobile, country_code: '91' } });
    clock.advance(31 * 60_000);
    const late = await post('/otp/mobile/verify', { request_id: form.body.request_id, otp: '123456', register_token: form.body.register_token });
    expect(String(late.body.message)).toContain('body.register_token');
  });
});

describe('OTP and one-click sign-in by email', () => {
  it('signs in with the email OTP, and with the token in the same email, each once', async () => {
    const shopper = await registerShopper(t, 'email-otp');
    const sent = await post('/otp/email/send', { email: shopper.email });
    expect(sent.status).toBe(200);
    expectApplicationModel('EmailOtpSuccess', sent.body);
    const message = t.notifier.last('otp_login', shopper.email);
    const verified = await post('/otp/email/verify', { email: shopper.email.toUpperCase(), otp: message.data.otp });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.session).toBeDefined();
    const token = message.data.login_token ?? '';
    const viaToken = await post('/login/token', { token });
    expect(viaToken.status, JSON.stringify(viaToken.body)).toBe(200);
    expectApplicationModel('LoginSuccess', viaToken.body);
    expect(viaToken.session).toBeDefined();
    expect((await post('/login/token', { token })).status).toBe(400);
    expect((await post('/login/token', { token: 'not-a-token' })).status).toBe(400);
  });

  it('sends no sign-in token to an address no account has', async () => {
    const id = newIdentity('no-token');
    await post('/otp/email/send', { email: id.email });
    expect(t.notifier.last('otp_login', id.email).data.login_token).toBeUndefined();
  });
});

describe('forgotten password by OTP', () => {
  it('answers alike for known and unknown accounts, and sends only to the known one', async () => {
    const shopper = await registerShopper(t, 'forgot-enum');
    const unknown = newIdentity('forgot-nobody');
    const known = await post('/otp/forgot/mobile/send', { mobile: shopper.mobile, country_code: '91' });
    const nobody = await post('/otp/forgot/mobile/send', { mobile: unknown.mobile, country_code: '91' });
    expect(known.status).toBe(nobody.status);
    expectApplicationModel('OtpSuccess', known.body);
    const shape = (b: Record<string, unknown>) => Object.keys(b).sort();
    expect(shape(known.body)).toEqual(shape(nobody.body));
    expect({ ...known.body, request_id: '', resend_token: '', mobile: '' }).toEqual({ ...nobody.body, request_id: '', resend_token: '', mobile: '' });
    expect(t.notifier.count('otp_forgot_password', `+91${shopper.mobile}`)).toBe(1);
    expect(t.notifier.count('otp_forgot_password', `+91${unknown.mobile}`)).toBe(0);
    // Guessing at the unknown one fails the same way as at a known one.
    expect((await post('/otp/forgot/mobile/verify', { request_id: nobody.body.request_id, otp: '123456' })).body.code).toBe('otp_wrong');
    const knownEmail = await post('/otp/forgot/email/send', { email: shopper.email });
    const unknownEmail = await post('/otp/forgot/email/send', { email: unknown.email });
    expect(knownEmail.status).toBe(unknownEmail.status);
    expect(Object.keys(knownEmail.body).sort()).toEqual(Object.keys(unknownEmail.body).sort());
  });

  it('resets with the forgot_token: single use, other sessions ended, no sign-in, user told', async () => {
    const shopper = await registerShopper(t, 'forgot');
    const signedIn = (await login(shopper.email, shopper.password)).session;
    const sent = await post('/otp/forgot/mobile/send', { mobile: shopper.mobile, country_code: '91' });
    const verified = await post('/otp/forgot/mobile/verify', { request_id: sent.body.request_id, otp: t.notifier.otp(`+91${shopper.mobile}`, 'otp_forgot_password') });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expectApplicationModel('VerifyForgotOtpSuccess', verified.body);
    const token = String(verified.body.forgot_token);
    const weak = await post('/login/password/forgot', { code: token, password: 'password123' });
    expect(weak.status).toBe(400);
    const reset = await post('/login/password/forgot', { code: token, password: 'a fresh start phrase' });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expectApplicationModel('ResetForgotPasswordSuccess', reset.body);
    expect(reset.session).toBeUndefined();
    expect((await post('/login/password/forgot', { code: token, password: 'another fresh phrase' })).status).toBe(400);
    expect((await me(signedIn)).status).toBe(401);
    expect((await me(shopper.session)).status).toBe(401);
    expect((await login(shopper.email, shopper.password)).status).toBe(401);
    expect((await login(shopper.email, 'a fresh start phrase')).status).toBe(200);
    expect(t.notifier.count('password_changed', shopper.email)).toBe(1);
  });

  it('verifies the email forgot OTP by address', async () => {
    const shopper = await registerShopper(t, 'forgot-email');
    await post('/otp/forgot/email/send', { email: shopper.email });
    const verified = await post('/otp/forgot/email/verify', { email: shopper.email, otp: t.notifier.otp(shopper.email, 'otp_forgot_password') });
    expect(verified.status).toBe(200);
    expect(String(verified.body.forgot_token)).toMatch(/^[0-9a-f]{32}\./);
  });

  it('refuses the forgot flows when the channel turns forgot_password off', async () => {
    await setConfig({ forgot_password: false });
    try {
      expect((await post('/otp/forgot/mobile/send', { mobile: '9000000001', country_code: '91' })).status).toBe(403);
      expect((await post('/login/password/reset', { email: 'a@example.com' })).status).toBe(403);
    } finally {
      await setConfig({ forgot_password: true });
    }
  });
});

describe('password reset links', () => {
  it('answers alike for unknown addresses and mails a single-use code that expires', async () => {
    const shopper = await registerShopper(t, 'link');
    const known = await post('/login/password/reset', { email: shopper.email });
    const unknown = await post('/login/password/reset', { email: 'nobody.here@example.com' });
    expect(known.body).toEqual(unknown.body);
    expect(known.status).toBe(unknown.status);
    expectApplicationModel('ResetPasswordSuccess', known.body);
    expect(t.notifier.count('password_reset_link', 'nobody.here@example.com')).toBe(0);
    const code = t.notifier.last('password_reset_link', shopper.email).data.code ?? '';
    const valid = await post('/login/password/reset/token', { code });
    expect(valid.status).toBe(200);
    expectApplicationModel('ResetPasswordSuccess', valid.body);
    // A refused password does not use the code up.
    expect((await post('/login/password/reset/forgot', { code, password: 'short' })).status).toBe(400);
    const reset = await post('/login/password/reset/forgot', { code, password: 'linked new passphrase' });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expectApplicationModel('LoginSuccess', reset.body);
    expect(reset.session).toBeUndefined();
    expect((await post('/login/password/reset/token', { code })).status).toBe(400);
    expect((await login(shopper.email, 'linked new passphrase')).status).toBe(200);

    later();
    const res = await fetch(`${t.baseUrl}/service/application/user${A}/login/password/mobile/reset`, {
      method: 'POST',
      headers: { authorization: APPLICATION_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ mobile: shopper.mobile, country_code: '91' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe('sent');
    const smsCode = t.notifier.last('password_reset_link', `+91${shopper.mobile}`).data.code ?? '';
    clock.advance(30 * 60_000);
    expect((await post('/login/password/reset/token', { code: smsCode })).body.code).toBe('otp_expired');
  });
});

describe('verification links for a mobile number', () => {
  it('verifies a soft-level number from its link', async () => {
    await setConfig({ register_required_fields: { email: { is_required: true, level: 'soft' }, mobile: { is_required: false, level: 'soft' } } });
    try {
      const id = newIdentity('soft');
      const form = await post('/register/form', { email: id.email, password: id.password, phone: { mobile: id.mobile, country_code: '91' } });
      expect(form.status, JSON.stringify(form.body)).toBe(200);
      expect(form.session).toBeDefined();
      const code = t.notifier.last('mobile_verification_link', `+91${id.mobile}`).data.code ?? '';
      expect((await post('/verify/email', { code })).status).toBe(400);
      const verified = await post('/verify/mobile', { code });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      const user = (await me(form.session)).body.user as { phone_numbers: Array<{ verified: boolean }> };
      expect(user.phone_numbers[0]?.verified).toBe(true);
    } finally {
      await setConfig({ register_required_fields: { email: { is_required: false, level: 'soft' }, mobile: { is_required: true, level: 'hard' } } });
    }
  });
});
