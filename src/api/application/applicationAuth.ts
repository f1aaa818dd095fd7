import type { RequestHandler } from 'express';
import { createHash } from 'node:crypto';
import type { AccessReadModel } from '../../projections/readStore.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import { verifySecret } from '../../shared/secrets.js';

export interface StorefrontPrincipal {
  application_id: string;
  company_id: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    storefront?: StorefrontPrincipal;
  }
}

const unauthorized = (message: string) => new DomainError('unauthorized', 'unauthorized', message);
/** A rotated token keeps working for at most this long on an instance that verified it before. */
const CACHE_MS = 60_000;
const CACHE_LIMIT = 10_000;

/**
 * Checks `Authorization: Bearer base64(application_id:application_token)`. Tokens are stored as
 * argon2 hashes, deliberately slow to check, so a successful check is remembered for a minute
 * under the SHA-256 of the header: the per-request cost is one hash and a map lookup. Failures
 * are remembered too, so a client repeating a wrong token costs no argon2 either.
 */
export class ApplicationCredentials {
  private readonly verified = new Map<string, { principal: StorefrontPrincipal; until: number }>();
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly access: AccessReadModel,
    private readonly clock: Clock,
  ) {}

  async authenticate(authorization: string | undefined): Promise<StorefrontPrincipal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (match?.[1] === undefined) throw unauthorized('application credentials required: Bearer base64(application_id:application_token)');
    const key = createHash('sha256').update(match[1]).digest('hex');
    const now = this.clock.now().getTime();
    const hit = this.verified.get(key);
    if (hit !== undefined && hit.until > now) return hit.principal;
    if ((this.refused.get(key) ?? 0) > now) throw unauthorized('invalid application credentials');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const applicationId = colon > 0 ? decoded.slice(0, colon) : '';
    const token = colon > 0 ? decoded.slice(colon + 1) : '';
    const application = applicationId === '' ? null : await this.access.application(applicationId);
    if (application === null || !(await verifySecret(application.secret_hash, token))) {
      this.remember(this.refused, key, now + CACHE_MS);
      throw unauthorized('invalid application credentials');
    }
    const principal = { application_id: application.id, company_id: application.company_id };
    this.remember(this.verified, key, { principal, until: now + CACHE_MS });
    return principal;
  }

  /** Bounded: past the limit the cache starts again, which costs argon2 checks, never memory. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= CACHE_LIMIT) map.clear();
    map.set(key, value);
  }
}

export function requireApplication(credentials: ApplicationCredentials): RequestHandler {
  return async (req, _res, next) => {
    req.storefront = await credentials.authenticate(req.headers.authorization);
    next();
  };
}
