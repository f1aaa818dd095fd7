import { type Request, type Response } from 'express';
import { RouteGroup } from '../routeTable.js';
import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import type { ProviderCredentials, SocialIdentity } from '../../commands/social/providers.js';
import { linkSocialToShopper, signInWithSocial, type SocialProfile } from '../../commands/social/socialSignIn.js';
import type { SocialClient } from '../../events/customerEvents.js';
import { DomainError, invalid } from '../../shared/errors.js';
import { FieldCipher } from '../../shared/fieldCipher.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { userReply } from './replies.js';
import { appleOauthBody, oauthBody } from './schemas.js';
import { beginSession, findShopper } from './storefrontSession.js';

const A = '/authentication/v1.0/login';
type Switch = keyof PlatformConfig['social'];
type TokenKey = 'google' | 'facebook' | 'apple';

const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

function profileOf(profile: { first_name?: string | undefined; last_name?: string | undefined } | undefined): SocialProfile {
  const first = given(profile?.first_name);
  const last = given(profile?.last_name);
  return { ...(first === undefined ? {} : { first_name: first }), ...(last === undefined ? {} : { last_name: last }) };
}

/** loginWithGoogle / GoogleAndroid / GoogleIOS / Facebook / AppleIOS: the provider's token checked here, never trusted as sent. */
export function socialLoginRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();

  /** The channel's provider credentials, or a 403 when the provider is switched off or not set up. */
  function credentialsFor(config: PlatformConfig, key: TokenKey, name: string): ProviderCredentials {
    if (!config.social[key as Switch]) throw new DomainError('forbidden', 'social_login_disabled', `sign-in with ${name} is turned off for this sales channel`);
    const tokens = config.social_tokens[key];
    if (tokens === undefined || tokens.app_id.trim() === '') {
      throw new DomainError('forbidden', 'social_login_not_configured', `sign-in with ${name} is not set up for this sales channel (social_tokens.${key}.app_id)`);
    }
    const secret = FieldCipher.isEncrypted(tokens.app_secret) ? deps.cipher.decrypt(tokens.app_secret) : tokens.app_secret;
    return { app_id: tokens.app_id.trim(), app_secret: secret };
  }

  /**
   * Signs in (and starts a session), or — `is_signed_in: true` with a live session — adds the
   * provider to the signed-in shopper's account and keeps their session.
   */
  async function finish(req: Request, res: Response, config: PlatformConfig, identity: SocialIdentity, profile: SocialProfile, isSignedIn: boolean | undefined) {
    const caller = storefrontCaller(req);
    const shopper = isSignedIn === true ? await findShopper({ sessions: deps.signin, customers: deps.customers }, req) : null;
    if (shopper !== null) {
      await linkSocialToShopper(deps.signin, caller, identity, shopper.view.user_id);
      res.json({ user_exists: true, user: await userReply(deps.customers, caller.application_id, shopper.view.user_id) });
      return;
    }
    const { account, user_exists } = await signInWithSocial(deps.signin, caller, identity, profile, config);
    await beginSession(deps.signin, caller, res, account, config, deps.cookieSecure);
    res.json({ user_exists, user: await userReply(deps.customers, caller.application_id, account.user_id) });
  }

  const google = (client: SocialClient) => async (req: Request, res: Response) => {
    const body = parseInput(oauthBody, req.body, 'body');
    await deps.limits.check(req);
    const config = await configOf(deps, req);
    const credentials = credentialsFor(config, 'google', 'Google');
    const field = given(body.oauth2.id_token) === undefined ? 'body.oauth2.access_token' : 'body.oauth2.id_token';
    const token = given(body.oauth2.id_token) ?? given(body.oauth2.access_token);
    if (token === undefined) throw invalid('body.oauth2.access_token', 'the Google ID token is required');
    await finish(req, res, config, await deps.social.google(client, token, credentials, field), profileOf(body.profile), body.is_signed_in);
  };
  router.post(`${A}/google-token`, google('google-web'));
  router.post(`${A}/google-android`, google('google-android'));
  router.post(`${A}/google-ios`, google('google-ios'));

  router.post(`${A}/facebook-token`, async (req, res) => {
    const body = parseInput(oauthBody, req.body, 'body');
    await deps.limits.check(req);
    const config = await configOf(deps, req);
    const credentials = credentialsFor(config, 'facebook', 'Facebook');
    const token = given(body.oauth2.access_token);
    if (token === undefined) throw invalid('body.oauth2.access_token', 'the Facebook access token is required');
    await finish(req, res, config, await deps.social.facebook(token, credentials, 'body.oauth2.access_token'), profileOf(body.profile), body.is_signed_in);
  });

  router.post(`${A}/apple-ios`, async (req, res) => {
    const body = parseInput(appleOauthBody, req.body, 'body');
    await deps.limits.check(req);
    const config = await configOf(deps, req);
    const credentials = credentialsFor(config, 'apple', 'Apple');
    const token = given(body.oauth.identity_token);
    if (token === undefined) throw invalid('body.oauth.identity_token', 'the Apple identity token is required');
    const identity = await deps.social.apple(token, credentials, 'body.oauth.identity_token');
    const userIdentifier = given(body.user_identifier);
    if (userIdentifier !== undefined && userIdentifier !== identity.subject) {
      throw invalid('body.user_identifier', 'is not the user the Apple identity token was issued to');
    }
    await finish(req, res, config, identity, profileOf(body.profile), undefined);
  });

  return router;
}
