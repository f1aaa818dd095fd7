/**
 * The storefront sign-in API driven by the official Fynd SDK (`@gofynd/fdk-client-javascript`
 * 1.4.13, and again 3.4.2) exactly as a storefront would: ApplicationClient with the sales
 * channel's id and token and `strictResponseCheck: true`, so every call that resolves on 1.4.13
 * is also proof that the reply matches the SDK's own UserApplicationModel. The SDK keeps no
 * cookies: the session is read from Set-Cookie (`{ responseHeaders: true }`) and handed back
 * with `setCookie`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { newIdentity, startStorefrontService, type CapturingNotifier, STOREFRONT_SDKS, type StorefrontClient } from '../support/storefront.js';
import { APP, APP_TOKEN, type TestService } from '../support/testService.js';

type Client = StorefrontClient;

let connect = STOREFRONT_SDKS[0]!.connect;

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService & { notifier: CapturingNotifier };

function storefrontClient(token = APP_TOKEN): Client {
  return connect({ applicationID: APP, applicationToken: token, domain: t.baseUrl });
}

/** `{ responseHeaders: true }` makes the SDK resolve with [body, headers]; its typings do not say so. */
async function withCookie<T>(call: (options: { responseHeaders: boolean }) => Promise<T>): Promise<{ body: T; session: string | undefined }> {
  const [body, headers] = (await call({ responseHeaders: true })) as unknown as [T, Record<string, string[] | undefined>];
  const session = (headers['set-cookie'] ?? []).map((c) => /^f\.session=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
  return { body, session };
}

async function failure(promise: Promise<unknown>): Promise<{ code: unknown; message: string; name: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code?: unknown };
    return { code: e.code, message: e.message, name: e.name };
  }
  throw new Error('expected the SDK call to fail');
}

const signedIn = (client: Client, session: string | undefined) => {
  if (session === undefined) throw new Error('no session cookie was set');
  client.setCookie(`f.session=${session}`);
  return client;
};
const later = () => clock.advance(31_000);

beforeAll(async () => {
  t = await startStorefrontService({}, { clock });
});
afterAll(async () => t.close());

describe.each(STOREFRONT_SDKS)('storefront sign-in through the Fynd SDK $sdk ApplicationClient (strictResponseCheck)', (sdk) => {
  beforeAll(() => {
    connect = sdk.connect;
  });
  it('getPlatformConfig and a wrong application token', async () => {
    const config = await storefrontClient().user.getPlatformConfig({ name: 'Fynd' });
    expect(config.login).toEqual({ password: true, otp: true });
    const refused = await failure(storefrontClient('wrong-token-123').user.getPlatformConfig({}));
    expect(refused.code).toBe(401);
  });

  it('registerWithForm → verifyMobileOTP → getLoggedInUser → hasPassword → getListOfActiveSessions → logout', async () => {
    const id = newIdentity('sdk');
    const client = storefrontClient();
    expect((await client.user.userExists({ q: id.email })).user_exists).toBe(false);
    const form = await client.user.registerWithForm({
      platform: 'Fynd',
      body: { first_name: 'Sid', last_name: 'Kay', email: id.email, password: id.password, phone: { mobile: id.mobile, country_code: '91' } },
    });
    expect(form).toMatchObject({ success: true, verify_mobile_otp: true, user_exists: false });
    const { body: verified, session } = await withCookie((o) =>
      client.user.verifyMobileOTP(
        { platform: 'Fynd', body: { request_id: form.request_id ?? '', otp: t.notifier.otp(`+91${id.mobile}`, 'otp_register'), register_token: form.register_token ?? '' } },
        o,
      ),
    );
    expect(verified.user?.first_name).toBe('Sid');
    signedIn(client, session);
    expect((await client.user.getLoggedInUser()).user?.emails?.[0]?.email).toBe(id.email);
    expect((await client.user.hasPassword()).result).toBe(1);
    expect((await client.user.getListOfActiveSessions()).sessions).toHaveLength(1);
    expect((await client.user.userExists({ q: `+91${id.mobile}` })).user_exists).toBe(true);
    expect(await client.user.logout()).toEqual({ logout: true });
    expect((await failure(client.user.getLoggedInUser())).code).toBe(401);

    const code = t.notifier.last('email_verification_link', id.email).data.code ?? '';
    expect((await client.user.verifyEmail({ body: { code } })).message).toBe('email verified');
  });

  it('loginWithEmailAndPassword and updatePassword', async () => {
    const id = await registered('sdk-pw');
    const client = storefrontClient();
    const { body, session } = await withCookie((o) => client.user.loginWithEmailAndPassword({ body: { username: id.email, password: id.password } }, o));
    expect(body.user?.user_id).toBe(id.user_id);
    signedIn(client, session);
    const wrong = await failure(client.user.updatePassword({ body: { old_password: 'not the old one', new_password: 'changed via sdk phrase' } }));
    expect(wrong.code).toBe(400);
    expect((await client.user.updatePassword({ body: { old_password: id.password, new_password: 'changed via sdk phrase' } })).message).toBe('password updated');
    const old = await failure(storefrontClient().user.loginWithEmailAndPassword({ body: { username: id.email, password: id.password } }));
    expect(old).toMatchObject({ code: 401, message: 'the username or password is incorrect' });
  });

  it('loginWithOTP, sendOTPOnMobile, verifyMobileOTP', async () => {
    const id = await registered('sdk-otp');
    later();
    const client = storefrontClient();
    const sent = await client.user.loginWithOTP({ platform: 'Fynd', body: { mobile: id.mobile, country_code: '91' } });
    expect(sent).toMatchObject({ success: true, resend_timer: 30 });
    later();
    const resent = await client.user.sendOTPOnMobile({ body: { mobile: id.mobile, country_code: '91', action: 'resend', token: sent.resend_token ?? '' } });
    const { body, session } = await withCookie((o) =>
      client.user.verifyMobileOTP({ body: { request_id: resent.request_id ?? '', otp: t.notifier.otp(`+91${id.mobile}`) } }, o),
    );
    expect(body).toMatchObject({ user_exists: true });
    expect((await signedIn(client, session).user.getLoggedInUser()).user?.user_id).toBe(id.user_id);
  });

  it('sendOTPOnEmail, verifyEmailOTP and loginWithToken', async () => {
    const id = await registered('sdk-email');
    const client = storefrontClient();
    expect((await client.user.sendOTPOnEmail({ body: { email: id.email, action: 'send' } })).success).toBe(true);
    const message = t.notifier.last('otp_login', id.email);
    const { body, session } = await withCookie((o) => client.user.verifyEmailOTP({ body: { email: id.email, otp: message.data.otp ?? '' } }, o));
    expect(body.user?.user_id).toBe(id.user_id);
    expect(session).toBeDefined();
    const viaToken = await withCookie((o) => storefrontClient().user.loginWithToken({ body: { token: message.data.login_token ?? '' } }, o));
    expect(viaToken.body.user?.user_id).toBe(id.user_id);
    expect(viaToken.session).toBeDefined();
  });

  it('sendForgotOTPOnMobile → verifyMobileForgotOTP → resetForgotPassword', async () => {
    const id = await registered('sdk-forgot');
    later();
    const client = storefrontClient();
    const sent = await client.user.sendForgotOTPOnMobile({ body: { mobile: id.mobile, country_code: '91' } });
    const verified = await client.user.verifyMobileForgotOTP({
      body: { request_id: sent.request_id ?? '', otp: t.notifier.otp(`+91${id.mobile}`, 'otp_forgot_password') },
    });
    expect(verified.success).toBe(true);
    expect(await client.user.resetForgotPassword({ body: { code: verified.forgot_token ?? '', password: 'reset by sdk phrase' } })).toEqual({ success: true });
    expect((await client.user.loginWithEmailAndPassword({ body: { username: id.mobile, password: 'reset by sdk phrase' } })).user?.user_id).toBe(id.user_id);
  });

  it('sendForgotOTPOnEmail → verifyEmailForgotOTP → forgotPassword (no session)', async () => {
    const id = await registered('sdk-forgot-email');
    const client = storefrontClient();
    expect((await client.user.sendForgotOTPOnEmail({ body: { email: id.email } })).success).toBe(true);
    const verified = await client.user.verifyEmailForgotOTP({ body: { email: id.email, otp: t.notifier.otp(id.email, 'otp_forgot_password') } });
    const { body, session } = await withCookie((o) => client.user.forgotPassword({ body: { code: verified.forgot_token ?? '', password: 'forgot via sdk phrase' } }, o));
    expect(body.user?.user_id).toBe(id.user_id);
    expect(session).toBeUndefined();
  });

  it('sendResetPasswordEmail, sendResetPasswordMobile, sendResetToken', async () => {
    const id = await registered('sdk-reset');
    const client = storefrontClient();
    expect(await client.user.sendResetPasswordEmail({ body: { email: id.email } })).toEqual({ status: 'sent' });
    const code = t.notifier.last('password_reset_link', id.email).data.code ?? '';
    expect(await client.user.sendResetToken({ body: { code } })).toEqual({ status: 'valid' });
    expect((await failure(client.user.sendResetToken({ body: { code: `${code}x` } }))).code).toBe(400);
    later();
    expect(await client.user.sendResetPasswordMobile({ body: { mobile: id.mobile, country_code: '91' } })).toBe('sent');
    expect(t.notifier.count('password_reset_link', `+91${id.mobile}`)).toBe(1);
  });

  it('verifyMobile with the code of a mobile verification link', async () => {
    const id = newIdentity('sdk-soft');
    const setFields = async (mobile: { is_required: boolean; level: string }) => {
      const res = await fetch(`${t.platformBase}/platform/config`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await t.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ register_required_fields: { mobile } }),
      });
      expect(res.status).toBe(200);
    };
    await setFields({ is_required: false, level: 'soft' });
    try {
      const client = storefrontClient();
      const form = await client.user.registerWithForm({ body: { email: id.email, password: id.password, phone: { mobile: id.mobile, country_code: '91' } } });
      expect(form.success).toBe(true);
      const code = t.notifier.last('mobile_verification_link', `+91${id.mobile}`).data.code ?? '';
      expect((await client.user.verifyMobile({ body: { code } })).message).toBe('mobile number verified');
    } finally {
      await setFields({ is_required: true, level: 'hard' });
    }
  });
});

/** A shopper registered through the SDK, mobile verified by OTP. */
async function registered(label: string) {
  const id = newIdentity(label);
  const client = storefrontClient();
  const form = await client.user.registerWithForm({ body: { email: id.email, password: id.password, phone: { mobile: id.mobile, country_code: '91' } } });
  const verified = await client.user.verifyMobileOTP({
    body: { request_id: form.request_id ?? '', otp: t.notifier.otp(`+91${id.mobile}`, 'otp_register'), register_token: form.register_token ?? '' },
  });
  return { ...id, user_id: verified.user?.user_id ?? '' };
}
