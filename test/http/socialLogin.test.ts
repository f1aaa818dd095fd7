import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { registerShopper, startStorefrontService, storefront, type CapturingNotifier } from '../support/storefront.js';
import { FACEBOOK_APP, FakeSocialProviders, GOOGLE_IOS_CLIENT_ID, socialConfig } from '../support/socialProviders.js';
import { call, type TestService } from '../support/testService.js';

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService & { notifier: CapturingNotifier };
let providers: FakeSocialProviders;
let subjects = 0;
const nextSubject = () => `1000${++subjects}${process.pid}`;

async function configure(patch: Record<string, unknown>) {
  const res = await call('POST', `${t.platformBase}/platform/config`, await t.token(), patch);
  expect(res.status).toBe(200);
}

const google = (token: string, path = 'google-token') =>
  storefront(t, 'POST', `/authentication/v1.0/login/${path}?platform=Fynd`, { is_signed_in: false, oauth2: { access_token: token, expiry: 3600 }, profile: {} });

async function eventsOf(userId: string) {
  return (await t.service.eventStore.readStream(`user-${userId}`)).map((e) => ({ type: e.type, data: e.data, actor: e.metadata.actor }));
}

beforeAll(async () => {
  providers = await FakeSocialProviders.start(clock);
  t = await startStorefrontService(providers.env, { clock });
  await configure(socialConfig());
});
afterAll(async () => {
  await t.close();
  await providers.close();
});

describe('social sign-in: tokens are verified by the service, not trusted', () => {
  it('signs a new Google user up, then signs the same person in to the same account', async () => {
    const subject = nextSubject();
    const token = await providers.googleIdToken(subject, { email: `g${subject}@example.com`, given_name: 'Gita', family_name: 'Rao' });
    const first = await google(token);
    expect(first.status).toBe(200);
    expect(first.body.user_exists).toBe(false);
    expect(first.session).toBeDefined();
    const user = first.body.user as { user_id: string; first_name: string; emails: Array<{ email: string; verified: boolean }> };
    expect(user.first_name).toBe('Gita');
    expect(user.emails).toEqual([expect.objectContaining({ email: `g${subject}@example.com`, verified: true, primary: true })]);

    const again = await google(await providers.googleIdToken(subject, { email: `g${subject}@example.com` }), 'google-android');
    expect(again.status).toBe(200);
    expect(again.body.user_exists).toBe(true);
    expect((again.body.user as { user_id: string }).user_id).toBe(user.user_id);

    const events = await eventsOf(user.user_id);
    const linked = events.find((e) => e.type === 'UserSocialAccountLinked');
    expect(linked?.data).toEqual({ provider: 'google', subject, client: 'google-web', matched_by: 'new_account' });
    // The provider's token is nowhere in the log.
    const log = JSON.stringify(events);
    expect(log).not.toContain(token.split('.')[2]);
  });

  it('accepts a token for any of the configured client ids (web, iOS)', async () => {
    const res = await google(await providers.googleIdToken(nextSubject(), {}, { audience: GOOGLE_IOS_CLIENT_ID }), 'google-ios');
    expect(res.status).toBe(200);
  });

  it.each([
    ['a signature from a key Google does not hold', { rogue: true }, /signature does not verify/],
    ['a token issued for another client id', { audience: 'someone-else.apps.googleusercontent.com' }, /another client id/],
    ['an expired token', { expiresInSeconds: -120 }, /has expired/],
    ['a token from another issuer', { issuer: 'https://evil.example.com' }, /not issued by Google/],
  ])('refuses %s with 401 naming the field', async (_what, options, message) => {
    const res = await google(await providers.googleIdToken(nextSubject(), {}, options));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: 'invalid_social_token' });
    expect(res.body.message).toMatch(/^body\.oauth2\.access_token: /);
    expect(res.body.message).toMatch(message);
    expect(res.session).toBeUndefined();
  });

  it('refuses a token that is not a JWT, and a body without one', async () => {
    expect((await google('not-a-token')).status).toBe(401);
    const missing = await storefront(t, 'POST', '/authentication/v1.0/login/google-token', { oauth2: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/body\.oauth2\.access_token/);
  });

  it('refuses a provider switched off in the config, and one with no app id', async () => {
    await configure({ social: { google: false } });
    const off = await google(await providers.googleIdToken(nextSubject()));
    expect(off.status).toBe(403);
    expect(off.body.code).toBe('social_login_disabled');
    await configure({ social: { google: true }, social_tokens: { google: { app_id: '' } } });
    const unset = await google(await providers.googleIdToken(nextSubject()));
    expect(unset.status).toBe(403);
    expect(unset.body.code).toBe('social_login_not_configured');
    await configure(socialConfig());
  });

  it('links to an existing account by an email both sides verified', async () => {
    const shopper = await registerShopper(t, 'link');
    // The registration verified the mobile; the email is verified through its OTP.
    await storefront(t, 'POST', '/authentication/v1.0/otp/email/send', { email: shopper.email });
    const verified = await storefront(t, 'POST', '/authentication/v1.0/otp/email/verify', { email: shopper.email, otp: t.notifier.otp(shopper.email) });
    expect(verified.status).toBe(200);
    const subject = nextSubject();
    const res = await google(await providers.googleIdToken(subject, { email: shopper.email.toUpperCase() }));
    expect(res.status).toBe(200);
    expect(res.body.user_exists).toBe(true);
    expect((res.body.user as { user_id: string }).user_id).toBe(shopper.user_id);
    const linked = (await eventsOf(shopper.user_id)).find((e) => e.type === 'UserSocialAccountLinked');
    expect(linked).toMatchObject({ data: { provider: 'google', subject, matched_by: 'verified_email' }, actor: { type: 'user', id: shopper.user_id } });
  });

  it('does not link by an email the provider has not verified, nor to an account whose email is unverified', async () => {
    const shopper = await registerShopper(t, 'nolink');
    const unverifiedAtGoogle = await google(await providers.googleIdToken(nextSubject(), { email: shopper.email, email_verified: false }));
    expect(unverifiedAtGoogle.status).toBe(409);
    expect(unverifiedAtGoogle.body.code).toBe('email_not_verified');
    // The shopper never proved this email to the shop: a Google sign-in with it takes nothing over.
    const unverifiedHere = await google(await providers.googleIdToken(nextSubject(), { email: shopper.email }));
    expect(unverifiedHere.status).toBe(409);
    expect((await eventsOf(shopper.user_id)).some((e) => e.type === 'UserSocialAccountLinked')).toBe(false);
  });

  it('refuses a blocked customer', async () => {
    const subject = nextSubject();
    const created = await google(await providers.googleIdToken(subject));
    const userId = (created.body.user as { user_id: string }).user_id;
    const block = await call('PUT', `${t.platformBase}/customers/activation`, await t.token(), { user_id: [userId], status: false, reason: 'fraud' });
    expect(block.status).toBe(200);
    const res = await google(await providers.googleIdToken(subject));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('user_blocked');
  });

  it('creates no account when registration is off', async () => {
    await configure({ register: false });
    const res = await google(await providers.googleIdToken(nextSubject()));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('registration_disabled');
    await configure({ register: true });
  });

  it('creates one account for ten concurrent first sign-ins of one person', async () => {
    const subject = nextSubject();
    const email = `race${subject}@example.com`;
    const tokens = await Promise.all(Array.from({ length: 10 }, () => providers.googleIdToken(subject, { email })));
    const replies = await Promise.all(tokens.map((token) => google(token)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    const ids = new Set(replies.map((r) => (r.body.user as { user_id: string }).user_id));
    expect(ids.size).toBe(1);
    expect(replies.filter((r) => r.body.user_exists === false)).toHaveLength(1);
    const search = await call('GET', `${t.platformBase}/customers/search?q=${encodeURIComponent(email)}`, await t.token());
    expect((search.body.users as unknown[]).length).toBe(1);
  });
});

describe('Sign in with Apple', () => {
  const apple = (token: string, userIdentifier?: string) =>
    storefront(t, 'POST', '/authentication/v1.0/login/apple-ios', {
      ...(userIdentifier === undefined ? {} : { user_identifier: userIdentifier }),
      oauth: { identity_token: token },
      profile: { first_name: 'Ana', last_name: 'Lee', full_name: 'Ana Lee' },
    });

  it('signs up with the names from the body, and checks user_identifier against the token', async () => {
    const subject = `001234.${nextSubject()}`;
    const res = await apple(await providers.appleIdentityToken(subject, { email: `${subject}@privaterelay.appleid.com` }), subject);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ first_name: 'Ana', last_name: 'Lee' });
    const mismatch = await apple(await providers.appleIdentityToken(subject), 'someone-else');
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toMatch(/body\.user_identifier/);
  });

  it('refuses a token for another bundle id, and one signed by an unknown key', async () => {
    expect((await apple(await providers.appleIdentityToken(nextSubject(), {}, { audience: 'com.other.app' }))).status).toBe(401);
    expect((await apple(await providers.appleIdentityToken(nextSubject(), {}, { rogue: true }))).status).toBe(401);
  });
});

describe('Facebook sign-in through token inspection', () => {
  const facebook = (token: string) => storefront(t, 'POST', '/authentication/v1.0/login/facebook-token', { oauth2: { access_token: token }, profile: {} });

  it('signs up a user Facebook vouches for, and never sends the app secret in clear', async () => {
    const id = nextSubject();
    providers.facebookUsers.set(`fb-token-${id}`, { id, email: `fb${id}@example.com`, first_name: 'Femi' });
    const res = await facebook(`fb-token-${id}`);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ first_name: 'Femi', emails: [expect.objectContaining({ email: `fb${id}@example.com`, verified: false })] });
    const me = providers.graphRequests.find((u) => u.pathname === '/graph/me' && u.searchParams.get('access_token') === `fb-token-${id}`);
    expect(me?.searchParams.get('appsecret_proof')).toMatch(/^[0-9a-f]{64}$/);
    expect(me?.toString()).not.toContain(FACEBOOK_APP.secret);
  });

  it('refuses a token Facebook says is invalid, expired, or issued to another app', async () => {
    providers.facebookUsers.set('fb-invalid', { id: nextSubject(), is_valid: false });
    providers.facebookUsers.set('fb-expired', { id: nextSubject(), expires_at: Math.floor(clock.now().getTime() / 1000) - 10 });
    providers.facebookUsers.set('fb-other-app', { id: nextSubject(), app_id: '999' });
    for (const token of ['fb-invalid', 'fb-expired', 'fb-other-app', 'fb-unknown']) {
      const res = await facebook(token);
      expect(res.status, token).toBe(401);
      expect(res.body.code).toBe('invalid_social_token');
    }
  });

  it('adds Facebook to a signed-in shopper\'s own account (is_signed_in), which it then signs in to', async () => {
    const shopper = await registerShopper(t, 'fbown');
    const id = nextSubject();
    providers.facebookUsers.set(`fb-token-${id}`, { id, email: shopper.email });
    const linked = await storefront(t, 'POST', '/authentication/v1.0/login/facebook-token', { is_signed_in: true, oauth2: { access_token: `fb-token-${id}` } }, shopper.session);
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ user_exists: true, user: { user_id: shopper.user_id } });
    expect(linked.session).toBeUndefined();
    const event = (await eventsOf(shopper.user_id)).find((e) => e.type === 'UserSocialAccountLinked');
    expect(event).toMatchObject({ data: { provider: 'facebook', subject: id, matched_by: 'signed_in' }, actor: { type: 'user', id: shopper.user_id } });
    const later = await facebook(`fb-token-${id}`);
    expect(later.status).toBe(200);
    expect((later.body.user as { user_id: string }).user_id).toBe(shopper.user_id);

    const someoneElse = await registerShopper(t, 'fbother');
    const taken = await storefront(t, 'POST', '/authentication/v1.0/login/facebook-token', { is_signed_in: true, oauth2: { access_token: `fb-token-${id}` } }, someoneElse.session);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('social_taken');
  });

  it('answers 503 while Facebook is down, and works again once it is back', async () => {
    const id = nextSubject();
    providers.facebookUsers.set(`fb-token-${id}`, { id });
    providers.facebookDown = true;
    const down = await facebook(`fb-token-${id}`);
    providers.facebookDown = false;
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('social_provider_unavailable');
    expect((await facebook(`fb-token-${id}`)).status).toBe(200);
  });

  it('never links by a Facebook email, which Facebook does not say it verified', async () => {
    const shopper = await registerShopper(t, 'fblink');
    const id = nextSubject();
    providers.facebookUsers.set(`fb-token-${id}`, { id, email: shopper.email });
    expect((await facebook(`fb-token-${id}`)).status).toBe(409);
  });
});

describe('a key set that cannot be fetched', () => {
  it('answers 503, not 401: the token may well be good', async () => {
    const unreachable = await startStorefrontService({ ...providers.env, GOOGLE_JWKS_URL: 'http://127.0.0.1:9/certs' }, { clock });
    try {
      await call('POST', `${unreachable.platformBase}/platform/config`, await unreachable.token(), socialConfig());
      const res = await storefront(unreachable, 'POST', '/authentication/v1.0/login/google-token', { oauth2: { access_token: await providers.googleIdToken(nextSubject()) } });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('social_provider_unavailable');
    } finally {
      await unreachable.close();
    }
  });
});
