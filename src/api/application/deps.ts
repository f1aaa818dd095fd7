import type { Request } from 'express';
import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import { defaultPlatformConfig } from '../../commands/platformConfig/defaults.js';
import type { SigninDeps } from '../../commands/signin/signinDeps.js';
import type { CustomersReadModel, PlatformConfigReadModel } from '../../projections/readStore.js';
import type { SigninRateLimits } from './rateLimits.js';
import type { StorefrontAttributes } from './userAttributes.js';
import type { SocialVerifier } from '../../commands/social/providers.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import type { JobQueue } from '../../jobs/jobQueue.js';

export interface StorefrontDeps {
  signin: SigninDeps;
  customers: CustomersReadModel;
  platformConfigs: PlatformConfigReadModel;
  limits: SigninRateLimits;
  social: SocialVerifier;
  /** Opens the provider secrets sealed in the channel's config. */
  cipher: FieldCipher;
  /** Delayed account deletions. */
  jobs: JobQueue;
  /** false only for plain-HTTP development (SESSION_COOKIE_SECURE=false). */
  cookieSecure: boolean;
  /** PROFILE_RECENT_SIGNIN_MINUTES: how recent a sign-in lets a shopper change their emails and mobiles. */
  recentSignInMs: number;
  attributes: StorefrontAttributes;
}

export function applicationIdOf(req: Request): string {
  const id = req.storefront?.application_id;
  if (id === undefined) throw new Error('storefront route without application authentication');
  return id;
}

/** Read on every request: a change to the channel's config applies to the very next one. */
export async function configOf(deps: Pick<StorefrontDeps, 'platformConfigs'>, req: Request): Promise<PlatformConfig> {
  return (await deps.platformConfigs.get(applicationIdOf(req)))?.config ?? defaultPlatformConfig();
}
