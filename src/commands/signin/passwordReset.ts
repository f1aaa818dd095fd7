import { DomainError, invalid } from '../../shared/errors.js';
import { emailKey } from '../customer/decider.js';
import { LINK_TTL_MS } from '../otp/otpRules.js';
import type { OtpRecord } from '../otp/otpStore.js';
import type { PlatformConfig } from '../platformConfig/configSchema.js';
import { accountById, accountHolding, type Account } from './accounts.js';
import type { StorefrontCaller } from './caller.js';
import { channelOf, identifierOf, recipientOf, type Contact } from './contacts.js';
import { checkLinkCode, checkOtp, checkOtpOf, sendLinkCode, sendOtp } from './otpCodes.js';
import { assertAcceptablePassword, personalValues, replacePassword, reuseMessage, reusesRecent } from './passwords.js';
import type { SigninDeps } from './signinDeps.js';

export const forgotPasswordDisabled = (): DomainError =>
  new DomainError('forbidden', 'forgot_password_disabled', 'password reset is turned off for this sales channel');

/** A forgot_token is issued right after an OTP check, not sent anywhere: a separate budget from the recipient's messages. */
const FORGOT_TOKEN_LIMITS = { resend_ms: 0, per_hour: 100 };

function assertEnabled(config: PlatformConfig): void {
  if (!config.forgot_password) throw forgotPasswordDisabled();
}

/**
 * The send steps answer identically whether or not an account holds the contact: a code is
 * stored (and throttled) either way and only delivered when there is someone to deliver it to.
 */
export async function sendResetLink(deps: SigninDeps, caller: StorefrontCaller, contact: Contact, config: PlatformConfig): Promise<void> {
  await sendLinkCode(deps, { ...(await resetCode(deps, caller, contact, config, 'reset_link', 'password_reset_link')), ttl_ms: LINK_TTL_MS });
}

export async function sendForgotOtp(deps: SigninDeps, caller: StorefrontCaller, contact: Contact, config: PlatformConfig): Promise<string> {
  return sendOtp(deps, await resetCode(deps, caller, contact, config, 'forgot', 'otp_forgot_password'));
}

/** A reset code for the contact, with a delivery only when an account holds it. */
async function resetCode(
  deps: SigninDeps,
  caller: StorefrontCaller,
  contact: Contact,
  config: PlatformConfig,
  purpose: 'reset_link' | 'forgot',
  template: string,
) {
  assertEnabled(config);
  const account = await accountHolding(deps, caller.application_id, identifierOf(contact));
  return {
    application_id: caller.application_id,
    purpose,
    channel: channelOf(contact),
    recipient: recipientOf(contact),
    user_id: account?.user_id ?? '',
    ...(account === null ? {} : { delivery: { template } }),
  };
}

/** A verified forgot-password OTP buys a forgot_token: a reset code, single use, 30 minutes. */
export async function verifyForgotOtp(
  deps: SigninDeps,
  caller: StorefrontCaller,
  input: ({ via: 'sms'; request_id: string } | { via: 'email'; email: string }) & { otp: string },
  config: PlatformConfig,
): Promise<string> {
  assertEnabled(config);
  const record =
    input.via === 'sms'
      ? await checkOtp(deps, caller.application_id, 'forgot', input.request_id, input.otp)
      : await checkOtpOf(deps, caller.application_id, 'forgot', emailKey({ email: input.email }), input.otp);
  // Only reachable by guessing a code that was never sent (an unknown account): answer as for a wrong one.
  if (record.user_id === '') throw invalid('body.otp', 'is incorrect');
  return sendLinkCode(deps, {
    application_id: caller.application_id,
    purpose: 'reset_link',
    channel: record.channel,
    recipient: `forgot-token:${record.user_id}`,
    user_id: record.user_id,
    ttl_ms: LINK_TTL_MS,
    limits: FORGOT_TOKEN_LIMITS,
  });
}

async function accountOfCode(deps: SigninDeps, caller: StorefrontCaller, record: OtpRecord): Promise<Account> {
  const account = record.user_id === '' ? null : await accountById(deps, caller.application_id, record.user_id);
  if (account === null) throw invalid('body.code', 'is invalid or has expired; ask for a new one');
  return account;
}

/** sendResetToken: whether a reset code is still good, without using it up. */
export async function checkResetCode(deps: SigninDeps, caller: StorefrontCaller, code: string, config: PlatformConfig): Promise<void> {
  assertEnabled(config);
  await accountOfCode(deps, caller, await checkLinkCode(deps, 'body.code', caller.application_id, 'reset_link', code, false));
}

/**
 * Sets the new password with a reset code. The password is judged before the code is used up,
 * so a refused password does not cost the user their link. No session is started.
 */
export async function resetPasswordWithCode(deps: SigninDeps, caller: StorefrontCaller, code: string, password: string, config: PlatformConfig): Promise<Account> {
  assertEnabled(config);
  const peeked = await accountOfCode(deps, caller, await checkLinkCode(deps, 'body.code', caller.application_id, 'reset_link', code, false));
  const settings = config.password_settings;
  assertAcceptablePassword('body.password', password, settings, personalValues(peeked.state));
  if (await reusesRecent(peeked.state, password, settings.history_count)) {
    throw invalid('body.password', reuseMessage(settings.history_count));
  }
  const account = await accountOfCode(deps, caller, await checkLinkCode(deps, 'body.code', caller.application_id, 'reset_link', code, true));
  const state = await replacePassword(deps, caller, { user_id: account.user_id, state: account.state, password, field: 'body.password', reason: 'reset', settings });
  return { user_id: account.user_id, state };
}
