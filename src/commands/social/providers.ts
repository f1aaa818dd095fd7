import { createHmac } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { SocialClient, SocialProvider } from '../../events/customerEvents.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';

/** Where the providers' keys and token inspection live: the real ones by default, local ones in tests. */
export interface SocialEndpoints {
  googleJwksUrl: string;
  appleJwksUrl: string;
  facebookGraphUrl: string;
}

export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
export const APPLE_ISSUER = 'https://appleid.apple.com';

/** What a verified provider token says about its holder. `email_verified` is the provider's word. */
export interface SocialIdentity {
  provider: SocialProvider;
  client: SocialClient;
  subject: string;
  email?: string;
  email_verified: boolean;
  first_name?: string;
  last_name?: string;
  image?: string;
}

/** The sales channel's credentials for a provider, the secret already decrypted. */
export interface ProviderCredentials {
  /** One client id, or several separated by commas (a web, an Android and an iOS client of one project). */
  app_id: string;
  app_secret: string;
}

const rejected = (field: string, message: string) =>
  new DomainError('unauthorized', 'invalid_social_token', `${field}: ${message}`, [{ field, message }]);

const audiences = (appId: string) => appId.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
const truthy = (value: unknown) => value === true || value === 'true';
const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

const unreachable = (provider: string) =>
  new DomainError('unavailable', 'social_provider_unavailable', `${provider} could not be reached to check the token; try again shortly`);

/** Failures that are the token's fault; anything else (a key set that cannot be fetched) is the provider's. */
const TOKEN_FAULTS = [
  joseErrors.JWSInvalid,
  joseErrors.JWTInvalid,
  joseErrors.JOSEAlgNotAllowed,
  joseErrors.JOSENotSupported,
];

/** jose's reasons, in words a storefront developer can act on; the token itself is never echoed. */
function explain(error: unknown, field: string, provider: string): DomainError {
  if (error instanceof joseErrors.JWTExpired) return rejected(field, `the ${provider} token has expired`);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return rejected(field, `the ${provider} token was issued for another client id than this sales channel's`);
    if (error.claim === 'iss') return rejected(field, `the ${provider} token was not issued by ${provider}`);
    return rejected(field, `the ${provider} token's "${error.claim}" claim is not acceptable`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return rejected(field, `the ${provider} token's signature does not verify against ${provider}'s keys`);
  }
  if (TOKEN_FAULTS.some((fault) => error instanceof fault)) return rejected(field, `is not a valid ${provider} token`);
  // The key set could not be fetched or read: a timeout, a refused connection, a non-200 reply.
  if (error instanceof joseErrors.JOSEError || (error instanceof TypeError && error.message === 'fetch failed')) return unreachable(provider);
  throw error;
}

/**
 * Checks provider tokens server-side: Google and Apple ID tokens by signature against the
 * provider's key set (fetched once and cached by jose, refetched when an unknown key id shows
 * up), Facebook access tokens by asking Facebook's token inspection about them.
 */
export class SocialVerifier {
  private readonly googleKeys;
  private readonly appleKeys;

  constructor(
    private readonly endpoints: SocialEndpoints,
    private readonly clock: Clock,
  ) {
    this.googleKeys = createRemoteJWKSet(new URL(endpoints.googleJwksUrl));
    this.appleKeys = createRemoteJWKSet(new URL(endpoints.appleJwksUrl));
  }

  async google(client: SocialClient, idToken: string, credentials: ProviderCredentials, field: string): Promise<SocialIdentity> {
    const claims = await this.verifyJwt(this.googleKeys, idToken, { issuer: GOOGLE_ISSUERS, audience: audiences(credentials.app_id) }, field, 'Google');
    return {
      provider: 'google',
      client,
      subject: this.subjectOf(claims, field, 'Google'),
      ...optional('email', text(claims.email)?.toLowerCase()),
      email_verified: truthy(claims.email_verified),
      ...optional('first_name', text(claims.given_name)),
      ...optional('last_name', text(claims.family_name)),
      ...optional('image', text(claims.picture)),
    };
  }

  async apple(identityToken: string, credentials: ProviderCredentials, field: string): Promise<SocialIdentity> {
    const claims = await this.verifyJwt(this.appleKeys, identityToken, { issuer: APPLE_ISSUER, audience: audiences(credentials.app_id) }, field, 'Apple');
    return {
      provider: 'apple',
      client: 'apple-ios',
      subject: this.subjectOf(claims, field, 'Apple'),
      ...optional('email', text(claims.email)?.toLowerCase()),
      email_verified: truthy(claims.email_verified),
    };
  }

  /**
   * Facebook access tokens are opaque: `debug_token`, asked with the app's own credentials, says
   * whether one is valid, for which app and which user; the profile comes from `/me`, with an
   * appsecret_proof so a stolen token alone cannot be replayed through this app.
   */
  async facebook(accessToken: string, credentials: ProviderCredentials, field: string): Promise<SocialIdentity> {
    const base = this.endpoints.facebookGraphUrl.replace(/\/+$/, '');
    const appToken = `${credentials.app_id}|${credentials.app_secret}`;
    const inspected = await getJson(`${base}/debug_token?${new URLSearchParams({ input_token: accessToken, access_token: appToken })}`);
    if (inspected.status >= 500) throw unreachable('Facebook');
    const data = (inspected.body.data ?? {}) as Record<string, unknown>;
    if (inspected.status !== 200 || data.is_valid !== true) rejectedBy(field, data);
    if (String(data.app_id) !== credentials.app_id) throw rejected(field, "the Facebook token was issued for another app than this sales channel's");
    const expiresAt = Number(data.expires_at ?? 0);
    if (expiresAt !== 0 && expiresAt * 1000 <= this.clock.now().getTime()) throw rejected(field, 'the Facebook token has expired');
    const userId = text(typeof data.user_id === 'number' ? String(data.user_id) : data.user_id);
    if (userId === undefined) throw rejected(field, 'the Facebook token names no user');
    const proof = createHmac('sha256', credentials.app_secret).update(accessToken).digest('hex');
    const me = await getJson(
      `${base}/me?${new URLSearchParams({ fields: 'id,email,first_name,last_name,picture', access_token: accessToken, appsecret_proof: proof })}`,
    );
    if (me.status >= 500) throw unreachable('Facebook');
    if (me.status !== 200 || String(me.body.id) !== userId) throw rejected(field, 'Facebook did not return the profile of the token\'s user');
    const picture = ((me.body.picture as { data?: { url?: unknown } } | undefined)?.data?.url);
    return {
      provider: 'facebook',
      client: 'facebook',
      subject: userId,
      ...optional('email', text(me.body.email)?.toLowerCase()),
      // Facebook does not say whether it checked the address: never enough to hand over an account.
      email_verified: false,
      ...optional('first_name', text(me.body.first_name)),
      ...optional('last_name', text(me.body.last_name)),
      ...optional('image', text(picture)),
    };
  }

  private async verifyJwt(
    keys: ReturnType<typeof createRemoteJWKSet>,
    token: string,
    expected: { issuer: string | string[]; audience: string[] },
    field: string,
    provider: string,
  ): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, keys, { ...expected, currentDate: this.clock.now(), requiredClaims: ['exp', 'sub'] });
      return payload;
    } catch (error) {
      throw explain(error, field, provider);
    }
  }

  private subjectOf(claims: JWTPayload, field: string, provider: string): string {
    const subject = text(claims.sub);
    if (subject === undefined) throw rejected(field, `the ${provider} token names no user`);
    return subject;
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function rejectedBy(field: string, data: Record<string, unknown>): never {
  const error = data.error as { message?: unknown } | undefined;
  const why = typeof error?.message === 'string' && /expired/i.test(error.message) ? 'the Facebook token has expired' : 'Facebook says the token is not valid';
  throw rejected(field, why);
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: globalThis.Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
  } catch {
    throw unreachable('Facebook');
  }
  const raw: unknown = await res.json().catch(() => ({}));
  return { status: res.status, body: typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {} };
}
