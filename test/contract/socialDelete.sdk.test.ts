/**
 * Social sign-in and delete account driven by the official Fynd SDK 1.4.13 (and again 3.4.2)
 * ApplicationClient with `strictResponseCheck: true`: every call that resolves is proof the reply matches the
 * SDK's UserApplicationModel. Provider tokens are signed with locally generated keys, checked by
 * the service against key sets and a Graph API served on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { FakeSocialProviders, socialConfig } from '../support/socialProviders.js';
import { registerShopper, startStorefrontService, type CapturingNotifier, STOREFRONT_SDKS, type StorefrontClient } from '../support/storefront.js';
import { sdkStatus } from '../support/platformSdk.js';
import { APP, APP_TOKEN, call, type TestService } from '../support/testService.js';

type Client = StorefrontClient;

let connect = STOREFRONT_SDKS[0]!.connect;
let sdkRun = 0;
/** Provider subjects of their own for each SDK's run: both runs share one service. */
const run = () => `${process.pid}${sdkRun}`;

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService & { notifier: CapturingNotifier };
let providers: FakeSocialProviders;

function storefrontClient(session?: string): Client {
  const client = connect({ applicationID: APP, applicationToken: APP_TOKEN, domain: t.baseUrl });
  if (session !== undefined) client.setCookie(`f.session=${session}`);
  return client;
}

/** `{ responseHeaders: true }` makes the SDK resolve with [body, headers]; its typings do not say so. */
async function withCookie<T>(call: (options: { responseHeaders: boolean }) => Promise<T>): Promise<{ body: T; session: string | undefined }> {
  const [body, headers] = (await call({ responseHeaders: true })) as unknown as [T, Record<string, string[] | undefined>];
  const session = (headers['set-cookie'] ?? []).map((c) => /^f\.session=([^;]+)/.exec(c)?.[1]).find((v) => v !== undefined);
  return { body, session };
}

beforeAll(async () => {
  providers = await FakeSocialProviders.start(clock);
  t = await startStorefrontService(providers.env, { clock });
  expect((await call('POST', `${t.platformBase}/platform/config`, await t.token(), socialConfig())).status).toBe(200);
});
afterAll(async () => {
  await t.close();
  await providers.close();
});

describe.each(STOREFRONT_SDKS)('social sign-in and delete account through the Fynd SDK $sdk ApplicationClient (strictResponseCheck)', (sdk) => {
  beforeAll(() => {
    connect = sdk.connect;
    sdkRun += 1;
  });
  it('loginWithGoogle, loginWithGoogleAndroid, loginWithGoogleIOS: one account, a session cookie each time', async () => {
    const subject = `sdk-google-${run()}`;
    const body = async () => ({
      is_signed_in: false,
      oauth2: { access_token: await providers.googleIdToken(subject, { email: `${subject}@example.com`, given_name: 'Gopal' }), expiry: 3600, refresh_token: '' },
      profile: { id: subject, email: `${subject}@example.com`, first_name: 'Gopal', last_name: '', full_name: 'Gopal', image: '' },
    });
    const client = storefrontClient();
    const web = await withCookie(async (o) => client.user.loginWithGoogle({ platform: 'Fynd', body: await body() }, o));
    expect(web.body).toMatchObject({ user_exists: false, user: { first_name: 'Gopal' } });
    expect(web.session).toBeDefined();
    const android = await withCookie(async (o) => client.user.loginWithGoogleAndroid({ platform: 'Fynd', body: await body() }, o));
    const ios = await withCookie(async (o) => client.user.loginWithGoogleIOS({ platform: 'Fynd', body: await body() }, o));
    for (const reply of [android, ios]) {
      expect(reply.body.user_exists).toBe(true);
      expect(reply.body.user?.user_id).toBe(web.body.user?.user_id);
      expect(reply.session).toBeDefined();
    }
    const me = await storefrontClient(ios.session).user.getLoggedInUser();
    expect(me.user?.user_id).toBe(web.body.user?.user_id);
  });

  it('loginWithFacebook', async () => {
    const id = `77${run()}`;
    providers.facebookUsers.set(`sdk-fb-${id}`, { id, first_name: 'Fola', last_name: 'Ade' });
    const { body, session } = await withCookie((o) =>
      storefrontClient().user.loginWithFacebook({ platform: 'Fynd', body: { is_signed_in: false, oauth2: { access_token: `sdk-fb-${id}`, expiry: 0, refresh_token: '' }, profile: {} } }, o),
    );
    expect(body).toMatchObject({ user_exists: false, user: { first_name: 'Fola', last_name: 'Ade' } });
    expect(session).toBeDefined();
  });

  it('loginWithAppleIOS', async () => {
    const subject = `000111.sdk${run()}`;
    const { body, session } = await withCookie(async (o) =>
      storefrontClient().user.loginWithAppleIOS(
        {
          platform: 'Fynd',
          body: { user_identifier: subject, oauth: { identity_token: await providers.appleIdentityToken(subject) }, profile: { first_name: 'Ama', last_name: 'Osei', full_name: 'Ama Osei' } },
        },
        o,
      ),
    );
    expect(body).toMatchObject({ user_exists: false, user: { first_name: 'Ama' } });
    expect(session).toBeDefined();
  });

  it('a refused token surfaces as FDKServerResponseError with the reason', async () => {
    const refused = await sdkStatus(
      storefrontClient().user.loginWithGoogle({ body: { oauth2: { access_token: await providers.googleIdToken('x', {}, { expiresInSeconds: -60 }) } } }),
    );
    expect(refused.code).toBe(401);
    expect(refused.message).toMatch(/has expired/);
  });

  it('deleteUser confirmed by an OTP (sendOTPOnMobile), then by a password', async () => {
    const shopper = await registerShopper(t, 'sdkdel');
    clock.advance(31_000);
    const client = storefrontClient(shopper.session);
    const sent = await client.user.sendOTPOnMobile({ platform: 'Fynd', body: { mobile: shopper.mobile, country_code: '91', action: 'send' } });
    const deleted = await client.user.deleteUser({
      body: { user_id: shopper.user_id, reason: 'I have another account', reason_id: '1', request_id: sent.request_id ?? '', otp: t.notifier.otp(`+91${shopper.mobile}`) },
    });
    expect(deleted.success).toBe(true);
    expect((await sdkStatus(client.user.getLoggedInUser())).code).toBe(401);

    const other = await registerShopper(t, 'sdkdel2');
    // The SDK's body type has no password; the SDK sends the body as given.
    const body = { user_id: other.user_id, reason_id: '2', password: other.password };
    expect((await storefrontClient(other.session).user.deleteUser({ body })).success).toBe(true);
  });
});
