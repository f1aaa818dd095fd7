import type { RequestHandler } from 'express';
import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { AccessReadModel } from '../projections/readStore.js';
import type { Clock } from '../shared/clock.js';
import { DomainError, notFound } from '../shared/errors.js';
import { verifySecret } from '../shared/secrets.js';

export interface PlatformPrincipal {
  client_id: string;
  company_id: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    platform?: PlatformPrincipal;
  }
}

const unauthorized = (message: string) => new DomainError('unauthorized', 'unauthorized', message);
const ISSUER = 'user-service';

/**
 * Issues and checks platform access tokens: HS256 JWTs that any instance sharing the key can
 * verify without a lookup. The client secret behind them is only ever compared to its argon2 hash.
 */
export class PlatformTokens {
  private readonly key: Uint8Array;
  /** Recently verified client secrets, keyed by a hash: argon2 is deliberately slow. */
  private readonly verified = new Map<string, number>();
  /** Tokens already verified, by their exact text, with their expiry in ms. */
  private readonly accepted = new Map<string, { principal: PlatformPrincipal; expiresAt: number }>();

  constructor(
    signingKey: string,
    private readonly ttlSeconds: number,
    private readonly access: AccessReadModel,
    private readonly clock: Clock,
  ) {
    this.key = new TextEncoder().encode(signingKey);
  }

  async issue(companyId: string, authorization: string | undefined) {
    const credentials = parseBasic(authorization);
    const client = await this.access.platformClient(credentials.client_id);
    const cacheKey = createHash('sha256').update(`${credentials.client_id}\u0000${credentials.secret}`).digest('hex');
    const now = this.clock.now().getTime();
    const cached = (this.verified.get(cacheKey) ?? 0) > now;
    const valid = client !== null && (cached || (await verifySecret(client.secret_hash, credentials.secret)));
    if (!valid || client === null) throw unauthorized('invalid client credentials');
    if (!cached) this.verified.set(cacheKey, now + 60_000);
    if (client.company_id !== companyId) throw unauthorized('invalid client credentials for this company');
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({ company_id: companyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(client.id)
      .setIssuer(ISSUER)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.key);
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds, scope: ['user'] };
  }

  async verify(authorization: string | undefined): Promise<PlatformPrincipal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (match?.[1] === undefined) throw unauthorized('missing bearer token');
    const token = match[1];
    const now = this.clock.now().getTime();
    const cached = this.accepted.get(token);
    if (cached !== undefined && cached.expiresAt > now) return cached.principal;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: this.clock.now(),
      });
      if (typeof payload.sub !== 'string' || typeof payload.company_id !== 'string') throw new Error('claims');
      const principal = { client_id: payload.sub, company_id: payload.company_id };
      // A verified token is remembered until it expires: the signature check dominated request cost.
      if (this.accepted.size >= 10_000) this.accepted.clear();
      this.accepted.set(token, { principal, expiresAt: (payload.exp ?? 0) * 1000 });
      return principal;
    } catch {
      throw unauthorized('invalid or expired token');
    }
  }
}

function parseBasic(authorization: string | undefined): { client_id: string; secret: string } {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (match?.[1] === undefined) throw unauthorized('client credentials required (HTTP Basic)');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw unauthorized('malformed client credentials');
  return { client_id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** Token valid, for this company, and the application exists under it. */
export function requirePlatformAccess(tokens: PlatformTokens, access: AccessReadModel): RequestHandler {
  return async (req, _res, next) => {
    const principal = await tokens.verify(req.headers.authorization);
    const { company_id, application_id } = req.params as { company_id?: string; application_id?: string };
    if (principal.company_id !== company_id) {
      throw new DomainError('forbidden', 'forbidden', 'this token does not grant access to that company');
    }
    if (application_id !== undefined) {
      const application = await access.application(application_id);
      if (application === null || application.company_id !== company_id) throw notFound(`application ${application_id}`);
    }
    req.platform = principal;
    next();
  };
}
