import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { AttemptCounter } from '../../commands/lockout/attemptCounter.js';
import { RedisAttemptCounter } from '../../commands/lockout/redisAttemptCounter.js';
import { SqliteAttemptCounter } from '../../commands/lockout/sqliteAttemptCounter.js';
import type { Notifier } from '../../commands/notifications/notifier.js';
import type { OtpStore } from '../../commands/otp/otpStore.js';
import { RedisOtpStore } from '../../commands/otp/redisOtpStore.js';
import { SqliteOtpStore } from '../../commands/otp/sqliteOtpStore.js';
import type { SessionDeps } from '../../commands/session/sessions.js';
import { RegisterTokens } from '../../commands/signin/registerTokens.js';
import type { ReadStore } from '../../projections/readStore.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import { ApplicationCredentials } from './applicationAuth.js';
import type { StorefrontDeps } from './deps.js';
import { SigninRateLimits } from './rateLimits.js';
import { SocialVerifier } from '../../commands/social/providers.js';
import type { JobQueue } from '../../jobs/jobQueue.js';

export interface Storefront {
  deps: StorefrontDeps;
  credentials: ApplicationCredentials;
}

/** Separate keys for separate uses, all derived from the one signing secret the instances share. */
const derive = (secret: string, use: string): Buffer => createHash('sha256').update(`${use}\u0000${secret}`).digest();

/** The storefront API's adapters: OTPs, attempt counters and rate limits in Redis when configured, SQLite/memory otherwise. */
export function openStorefront(input: {
  config: Config;
  db: SqliteDatabase;
  redis: Redis | undefined;
  sessions: SessionDeps;
  readStore: ReadStore;
  notifier: Notifier;
  signingKey: string;
  cipher: FieldCipher;
  jobs: JobQueue;
}): Storefront {
  const { config, db, redis } = input;
  const otps: OtpStore = redis === undefined ? new SqliteOtpStore(db) : new RedisOtpStore(redis);
  const attempts: AttemptCounter = redis === undefined ? new SqliteAttemptCounter(db) : new RedisAttemptCounter(redis);
  return {
    credentials: new ApplicationCredentials(input.readStore.access, input.sessions.clock),
    deps: {
      signin: {
        ...input.sessions,
        otps,
        attempts,
        notifier: input.notifier,
        registerTokens: new RegisterTokens(derive(input.signingKey, 'register-token'), input.sessions.clock),
        otpKey: derive(input.signingKey, 'otp'),
        otpLength: config.OTP_LENGTH,
        defaultCountryCode: config.DEFAULT_COUNTRY_CODE,
      },
      customers: input.readStore.customers,
      platformConfigs: input.readStore.platformConfigs,
      limits: new SigninRateLimits({ perIpPerMinute: config.SIGNIN_RATE_LIMIT_PER_IP, perAccountPerMinute: config.SIGNIN_RATE_LIMIT_PER_ACCOUNT }, redis),
      social: new SocialVerifier(
        { googleJwksUrl: config.GOOGLE_JWKS_URL, appleJwksUrl: config.APPLE_JWKS_URL, facebookGraphUrl: config.FACEBOOK_GRAPH_URL },
        input.sessions.clock,
      ),
      cipher: input.cipher,
      jobs: input.jobs,
      cookieSecure: config.SESSION_COOKIE_SECURE,
      recentSignInMs: config.PROFILE_RECENT_SIGNIN_MINUTES * 60_000,
      attributes: { definitions: input.readStore.attributeDefinitions, values: input.readStore.userAttributes, cipher: input.cipher },
    },
  };
}
