import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '../../src/shared/clock.js';

export const GOOGLE_CLIENT_ID = 'web-client.apps.googleusercontent.com';
export const GOOGLE_IOS_CLIENT_ID = 'ios-client.apps.googleusercontent.com';
export const APPLE_BUNDLE_ID = 'com.example.shop';
export const FACEBOOK_APP = { id: '1234567890', secret: 'facebook-app-secret-0001' };

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function keyPair(kid: string, alg: 'RS256' | 'ES256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A Facebook user as the fake Graph API knows them, under one access token. */
export interface FacebookUser {
  id: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  app_id?: string;
  is_valid?: boolean;
  /** Unix seconds; 0 = never. */
  expires_at?: number;
}

/**
 * Google's and Apple's key sets and Facebook's Graph API, on 127.0.0.1: the service under test
 * checks tokens against these exactly as it would against the providers. Tokens are signed with
 * locally generated keys; a `rogue` key is not in any key set.
 */
export class FakeSocialProviders {
  readonly facebookUsers = new Map<string, FacebookUser>();
  /** Every Graph API request, to check what the service asked (the app secret never travels in clear). */
  readonly graphRequests: URL[] = [];
  /** While true, the Graph API answers 500, as during an outage. */
  facebookDown = false;
  jwksFetches = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly keys: { google: KeyPair; apple: KeyPair; rogue: KeyPair },
    private readonly clock: Clock,
  ) {}

  static async start(clock: Clock): Promise<FakeSocialProviders> {
    const keys = { google: await keyPair('google-1', 'RS256'), apple: await keyPair('apple-1', 'ES256'), rogue: await keyPair('google-1', 'RS256') };
    const ref: { fake?: FakeSocialProviders } = {};
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const fake = ref.fake;
      if (fake === undefined) return reply(503, {});
      if (url.pathname === '/google/certs') {
        fake.jwksFetches += 1;
        return reply(200, { keys: [keys.google.jwk] });
      }
      if (url.pathname === '/apple/keys') {
        fake.jwksFetches += 1;
        return reply(200, { keys: [keys.apple.jwk] });
      }
      if (url.pathname.startsWith('/graph/')) {
        fake.graphRequests.push(url);
        if (fake.facebookDown) return reply(500, { error: { message: 'An unexpected error has occurred.' } });
        return fake.graph(url, reply);
      }
      return reply(404, {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeSocialProviders(server, `http://127.0.0.1:${port}`, keys, clock);
    ref.fake = fake;
    return fake;
  }

  /** What the service's environment points at instead of the real providers. */
  get env(): Record<string, string> {
    return {
      GOOGLE_JWKS_URL: `${this.baseUrl}/google/certs`,
      APPLE_JWKS_URL: `${this.baseUrl}/apple/keys`,
      FACEBOOK_GRAPH_URL: `${this.baseUrl}/graph`,
    };
  }

  private graph(url: URL, reply: (status: number, body: unknown) => void): void {
    const appToken = `${FACEBOOK_APP.id}|${FACEBOOK_APP.secret}`;
    if (url.pathname === '/graph/debug_token') {
      if (url.searchParams.get('access_token') !== appToken) return reply(400, { error: { message: 'Invalid OAuth access token.' } });
      const user = this.facebookUsers.get(url.searchParams.get('input_token') ?? '');
      if (user === undefined) return reply(200, { data: { is_valid: false, error: { message: 'Malformed access token' } } });
      return reply(200, {
        data: { app_id: user.app_id ?? FACEBOOK_APP.id, is_valid: user.is_valid ?? true, user_id: user.id, expires_at: user.expires_at ?? 0, scopes: ['email'] },
      });
    }
    if (url.pathname === '/graph/me') {
      const user = this.facebookUsers.get(url.searchParams.get('access_token') ?? '');
      if (user === undefined || url.searchParams.get('appsecret_proof') === null) return reply(400, { error: { message: 'Invalid OAuth access token.' } });
      const { app_id: _a, is_valid: _v, expires_at: _e, ...profile } = user;
      return reply(200, profile);
    }
    return reply(404, {});
  }

  private async sign(key: KeyPair, alg: 'RS256' | 'ES256', claims: Record<string, unknown>, options: TokenOptions, issuer: string, audience: string) {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? audience)
      .setSubject(options.subject ?? 'subject')
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
      .sign(key.privateKey);
  }

  /** A Google ID token for `subject`; `rogue` signs it with a key Google's key set does not hold. */
  googleIdToken(subject: string, claims: Record<string, unknown> = {}, options: TokenOptions = {}): Promise<string> {
    const key = options.rogue === true ? this.keys.rogue : this.keys.google;
    return this.sign(key, 'RS256', { email_verified: true, ...claims }, { ...options, subject }, 'https://accounts.google.com', GOOGLE_CLIENT_ID);
  }

  appleIdentityToken(subject: string, claims: Record<string, unknown> = {}, options: TokenOptions = {}): Promise<string> {
    const key = options.rogue === true ? this.keys.rogue : this.keys.apple;
    return this.sign(key, options.rogue === true ? 'RS256' : 'ES256', { email_verified: 'true', ...claims }, { ...options, subject }, 'https://appleid.apple.com', APPLE_BUNDLE_ID);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface TokenOptions {
  audience?: string;
  issuer?: string;
  subject?: string;
  expiresInSeconds?: number;
  rogue?: boolean;
}

/** The sales-channel config that turns every provider on with the fake providers' credentials. */
export const socialConfig = (overrides: Record<string, unknown> = {}) => ({
  social: { google: true, facebook: true, apple: true, account_kit: false },
  social_tokens: {
    google: { app_id: `${GOOGLE_CLIENT_ID},${GOOGLE_IOS_CLIENT_ID}`, app_secret: 'google-secret' },
    facebook: { app_id: FACEBOOK_APP.id, app_secret: FACEBOOK_APP.secret },
    apple: { app_id: APPLE_BUNDLE_ID, app_secret: '' },
  },
  ...overrides,
});
