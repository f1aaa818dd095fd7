import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import type { CustomersReadModel } from '../../projections/readStore.js';
import type { PlatformConfigView } from '../../projections/platformConfigs/platformConfigView.js';
import { toUserSchema } from '../platform/customerMapping.js';

/**
 * The storefront's view of the sales channel's config (the SDK's application PlatformSchema):
 * provider app ids without secrets, under the application spelling `accountkit`, and the
 * password rules a registration form needs, without the lockout figures.
 */
export function toAppPlatformSchema(applicationId: string, view: PlatformConfigView | null, config: PlatformConfig) {
  const { social_tokens: tokens, password_settings: rules, ...rest } = config;
  return {
    _id: applicationId,
    ...rest,
    social_tokens: {
      facebook: { app_id: tokens.facebook.app_id },
      accountkit: { app_id: tokens.account_kit.app_id },
      google: { app_id: tokens.google.app_id },
      apple: { app_id: tokens.apple?.app_id ?? '' },
    },
    password_settings: {
      min_length: rules.min_length,
      max_length: rules.max_length,
      require_uppercase: rules.require_uppercase,
      require_lowercase: rules.require_lowercase,
      require_digit: rules.require_digit,
      require_special: rules.require_special,
    },
    ...(view === null ? {} : { created_at: view.created_at, updated_at: view.updated_at }),
    __v: view === null ? 0 : view.revision + 1,
  };
}

/** The user as a storefront sees them (the shared UserSchema). */
export async function userReply(customers: CustomersReadModel, applicationId: string, userId: string) {
  const view = await customers.get(applicationId, userId);
  if (view === null) throw new Error(`customer ${userId} missing from the read model after a write`);
  return toUserSchema(view);
}
