import { DomainError } from '../../shared/errors.js';
import { changeCredentials } from '../customer/credentialHandlers.js';
import { emailKey } from '../customer/decider.js';
import { LINK_TTL_MS } from '../otp/otpRules.js';
import type { PlatformConfig } from '../platformConfig/configSchema.js';
import { accountById, accountHolding, type Account } from './accounts.js';
import type { StorefrontCaller } from './caller.js';
import { channelOf, contactOfRecipient, identifierOf, recipientOf, sameContact, type Contact } from './contacts.js';
import { checkLinkCode, checkOtp, checkOtpOf, sendLinkCode, sendOtp } from './otpCodes.js';
import { blockedAccount } from './passwordSignIn.js';
import { continueRegistration, type RegistrationStep } from './registration.js';
import type { PendingRegistration } from './registerTokens.js';
import type { SigninDeps } from './signinDeps.js';

export const otpLoginDisabled = (): DomainError => new DomainError('forbidden', 'otp_login_disabled', 'sign-in with an OTP is turned off for this sales channel');

/** Not a limit on its own: one is made per email OTP, which the OTP throttle already bounds. */
const LOGIN_LINK_LIMITS = { resend_ms: 0, per_hour: 1000 };

/**
 * An OTP that proves the caller receives messages at this contact: the first step of an OTP
 * sign-in and of an OTP-first registration alike, so the reply says nothing about whether an
 * account exists. An email to an existing account also carries a one-click sign-in token.
 */
export async function sendContactOtp(deps: SigninDeps, caller: StorefrontCaller, contact: Contact, config: PlatformConfig): Promise<string> {
  const data: Record<string, string> = {};
  if (contact.kind === 'email' && config.login.otp) {
    const account = await accountHolding(deps, caller.application_id, identifierOf(contact));
    if (account !== null) {
      data.login_token = await sendLinkCode(deps, {
        application_id: caller.application_id,
        purpose: 'login_link',
        channel: 'email',
        // Its own recipient key, so that the link does not spend the address's hourly OTP budget.
        recipient: `login-link:${contact.email}`,
        user_id: account.user_id,
        ttl_ms: LINK_TTL_MS,
        limits: LOGIN_LINK_LIMITS,
      });
    }
  }
  return sendOtp(deps, {
    application_id: caller.application_id,
    purpose: 'contact',
    channel: channelOf(contact),
    recipient: recipientOf(contact),
    user_id: '',
    delivery: { template: 'otp_login', data },
  });
}

export type ContactOutcome =
  | { kind: 'signed_in'; account: Account }
  | { kind: 'registration'; step: RegistrationStep }
  /** No account holds the contact: a register_token proving it, for the registration form. */
  | { kind: 'unknown'; register_token: string };

/** Marks a contact verified the first time a code sent to it comes back. */
async function verified(deps: SigninDeps, caller: StorefrontCaller, account: Account, contact: Contact): Promise<Account> {
  const state = await changeCredentials(deps, caller.context('verifyContact', account.user_id), account.user_id, { type: 'VerifyContact', contact });
  return { user_id: account.user_id, state };
}

async function signInProven(deps: SigninDeps, caller: StorefrontCaller, account: Account, contact: Contact, config: PlatformConfig): Promise<Account> {
  if (!config.login.otp) throw otpLoginDisabled();
  if (account.state.blocked) throw blockedAccount();
  return verified(deps, caller, account, contact);
}

/**
 * What a verified OTP leads to: a registration in progress moves on (register_token given), an
 * existing account signs in, an unknown contact gets a register_token.
 */
export async function verifyContactOtp(
  deps: SigninDeps,
  caller: StorefrontCaller,
  input: ({ via: 'sms'; request_id: string } | { via: 'email'; email: string }) & { otp: string; register_token?: string },
  config: PlatformConfig,
): Promise<ContactOutcome> {
  const pending = input.register_token === undefined || input.register_token === '' ? undefined : await deps.registerTokens.read(input.register_token, caller.application_id);
  const record =
    input.via === 'sms'
      ? await checkOtp(deps, caller.application_id, 'contact', input.request_id, input.otp)
      : await checkOtpOf(deps, caller.application_id, 'contact', emailKey({ email: input.email }), input.otp);
  const contact = contactOfRecipient(record.channel, record.recipient, deps.defaultCountryCode);
  if (pending !== undefined) {
    const proved: PendingRegistration = {
      ...pending,
      verified: contact.kind === 'email' ? { ...pending.verified, email: contact.email } : { ...pending.verified, phone: { phone: contact.phone, country_code: contact.country_code } },
    };
    if (pending.form !== undefined) {
      const form = pending.form;
      const expected: Contact | undefined =
        contact.kind === 'email' ? (form.email === undefined ? undefined : { kind: 'email', email: form.email }) : form.phone === undefined ? undefined : { kind: 'phone', ...form.phone };
      if (!sameContact(contact, expected)) throw new DomainError('validation', 'otp_other_contact', 'body.otp: was sent to another contact than the one being registered');
      return { kind: 'registration', step: await continueRegistration(deps, caller, proved, config) };
    }
    return { kind: 'unknown', register_token: await deps.registerTokens.issue(proved) };
  }
  const account = await accountHolding(deps, caller.application_id, identifierOf(contact));
  if (account !== null) return { kind: 'signed_in', account: await signInProven(deps, caller, account, contact, config) };
  const proof: PendingRegistration = {
    application_id: caller.application_id,
    verified: contact.kind === 'email' ? { email: contact.email } : { phone: { phone: contact.phone, country_code: contact.country_code } },
  };
  return { kind: 'unknown', register_token: await deps.registerTokens.issue(proof) };
}

/** loginWithToken: the one-click token mailed with an email OTP. */
export async function signInWithLinkToken(deps: SigninDeps, caller: StorefrontCaller, token: string, config: PlatformConfig): Promise<Account> {
  if (!config.login.otp) throw otpLoginDisabled();
  const record = await checkLinkCode(deps, 'body.token', caller.application_id, 'login_link', token, true);
  const account = await accountById(deps, caller.application_id, record.user_id);
  if (account === null) throw new DomainError('validation', 'otp_not_found', 'body.token: is invalid or has expired');
  const contact: Contact = { kind: 'email', email: record.recipient.replace(/^login-link:/, '') };
  if (account.state.blocked) throw blockedAccount();
  const holds = account.state.profile.emails.some((e) => e.email.toLowerCase() === contact.email);
  return holds ? verified(deps, caller, account, contact) : account;
}

/** verifyEmail / verifyMobile: the code of a verification link. */
export async function verifyContactLink(deps: SigninDeps, caller: StorefrontCaller, code: string, channel: 'sms' | 'email'): Promise<Account> {
  const peek = await checkLinkCode(deps, 'body.code', caller.application_id, 'verify_link', code, false);
  if (peek.channel !== channel) throw new DomainError('validation', 'otp_wrong', `body.code: is not a ${channel === 'email' ? 'email' : 'mobile'} verification code`);
  const record = await checkLinkCode(deps, 'body.code', caller.application_id, 'verify_link', code, true);
  const account = await accountById(deps, caller.application_id, record.user_id);
  if (account === null) throw new DomainError('validation', 'otp_not_found', 'body.code: is invalid or has expired');
  return verified(deps, caller, account, contactOfRecipient(record.channel, record.recipient, deps.defaultCountryCode));
}
