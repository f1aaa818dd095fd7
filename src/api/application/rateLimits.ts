import type { Request } from 'express';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError } from '../../shared/errors.js';

export interface SigninLimitSettings {
  /** Requests per minute from one IP address to endpoints that take a credential or send a message. */
  perIpPerMinute: number;
  /** Requests per minute naming one account (username, email, number, request id). */
  perAccountPerMinute: number;
}

/**
 * Per-IP and per-account limits on every endpoint that takes a credential or sends a message
 * (OWASP ASVS 2.2.1). In Redis when it is configured, so that all instances share the count;
 * in memory otherwise. Accounts are keyed by a hash of what the client typed, so an unknown
 * account is limited exactly like a known one.
 */
export class SigninRateLimits {
  private readonly perIp: RateLimiterAbstract;
  private readonly perAccount: RateLimiterAbstract;

  constructor(settings: SigninLimitSettings, redis?: Redis) {
    const make = (keyPrefix: string, points: number): RateLimiterAbstract =>
      redis === undefined
        ? new RateLimiterMemory({ keyPrefix, points, duration: 60 })
        : new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 60 });
    this.perIp = make('us:rl:signin-ip', settings.perIpPerMinute);
    this.perAccount = make('us:rl:signin-account', settings.perAccountPerMinute);
  }

  /** Spends one request of the caller's IP and, when given, of the named account. */
  async check(req: Request, account?: string): Promise<void> {
    const app = req.storefront?.application_id ?? '';
    await this.consume(this.perIp, `${app}:${req.ip ?? ''}`);
    if (account !== undefined && account.trim() !== '') {
      const key = createHash('sha256').update(`${app}\u0000${account.trim().toLowerCase()}`).digest('hex');
      await this.consume(this.perAccount, key);
    }
  }

  private async consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new DomainError('rate_limited', 'too_many_requests', `too many requests; try again in ${seconds} seconds`);
    }
  }
}
