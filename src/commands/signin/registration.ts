import { conflict, DomainError, invalid } from '../../shared/errors.js';
import type { PlatformConfig } from '../platformConfig/configSchema.js';
import { registerCustomer } from '../customer/credentialHandlers.js';
import { hashPassword } from '../password/passwordHasher.js';
import { accountHolding, type Account } from './accounts.js';
import type { StorefrontCaller } from './caller.js';
import { channelOf, identifierOf, parseEmail, parseMobile, recipientOf, sameContact, type Contact } from './contacts.js';
import { RESEND_TIMER_SECONDS, sendLinkCode, sendOtp } from './otpCodes.js';
import { assertAcceptablePassword } from './passwords.js';
import type { PendingRegistration } from './registerTokens.js';
import type { SigninDeps } from './signinDeps.js';

export interface RegistrationForm {
  first_name?: string;
  last_name?: string;
  gender?: string;
  email?: string;
  password?: string;
  phone?: { mobile?: string; country_code?: string };
  register_token?: string;
  consent?: boolean;
}

export type RegistrationStep =
  | { kind: 'created'; account: Account }
  | {
      kind: 'pending';
      register_token: string;
      /** The mobile OTP's request id, when one was sent. */
      request_id?: string;
      verify_mobile_otp: boolean;
      verify_email_otp: boolean;
      phone?: Contact & { kind: 'phone' };
      email?: string;
      resend_timer: number;
    };

/** Verification links for contacts given but not proved: 24 hours, as they wait in a mailbox. */
const VERIFY_LINK_TTL_MS = 24 * 3_600_000;

const given = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** A contact must be proved before the account exists when its level is `hard`. */
function stillToVerify(pending: PendingRegistration, config: PlatformConfig): { phone: boolean; email: boolean } {
  const form = pending.form ?? {};
  const levels = config.register_required_fields;
  const phone = form.phone === undefined ? undefined : ({ kind: 'phone', ...form.phone } as const);
  const email = form.email === undefined ? undefined : ({ kind: 'email', email: form.email } as const);
  const provedPhone = pending.verified.phone === undefined ? undefined : ({ kind: 'phone', ...pending.verified.phone } as const);
  const provedEmail = pending.verified.email === undefined ? undefined : ({ kind: 'email', email: pending.verified.email } as const);
  return {
    phone: phone !== undefined && levels.mobile.level === 'hard' && !sameContact(phone, provedPhone),
    email: email !== undefined && levels.email.level === 'hard' && !sameContact(email, provedEmail),
  };
}

async function assertFree(deps: SigninDeps, applicationId: string, contact: Contact | undefined, field: string): Promise<void> {
  if (contact === undefined) return;
  if ((await accountHolding(deps, applicationId, identifierOf(contact))) !== null) {
    throw conflict(contact.kind === 'email' ? 'email_taken' : 'phone_taken', `${field}: is already registered; sign in instead`, field);
  }
}

/**
 * The form step: checks what the channel's config requires, then either creates the account
 * at once (nothing left to prove) or sends OTPs and hands back an encrypted register_token.
 */
export async function registerWithForm(deps: SigninDeps, caller: StorefrontCaller, form: RegistrationForm, config: PlatformConfig): Promise<RegistrationStep> {
  if (!config.register) throw new DomainError('forbidden', 'registration_disabled', 'registration is turned off for this sales channel');
  const mobile = given(form.phone?.mobile);
  const phone = mobile === undefined ? undefined : parseMobile('body.phone.mobile', mobile, deps.defaultCountryCode, given(form.phone?.country_code));
  const emailText = given(form.email);
  const email = emailText === undefined ? undefined : parseEmail('body.email', emailText);
  const required = config.register_required_fields;
  if (required.mobile.is_required && phone === undefined) throw invalid('body.phone.mobile', 'is required');
  if (required.email.is_required && email === undefined) throw invalid('body.email', 'is required');
  const password = form.password === undefined || form.password === '' ? undefined : form.password;
  if (password === undefined && (!config.login.otp || (phone === undefined && email === undefined))) {
    throw invalid('body.password', 'is required');
  }
  if (password !== undefined) {
    const personal = [email?.email ?? '', phone?.phone ?? '', phone === undefined ? '' : `${phone.country_code}${phone.phone}`];
    assertAcceptablePassword('body.password', password, config.password_settings, personal);
  }
  await assertFree(deps, caller.application_id, email, 'body.email');
  await assertFree(deps, caller.application_id, phone, 'body.phone.mobile');
  const proofs = form.register_token === undefined || form.register_token === '' ? undefined : await deps.registerTokens.read(form.register_token, caller.application_id);
  const pending: PendingRegistration = {
    application_id: caller.application_id,
    form: {
      ...(given(form.first_name) === undefined ? {} : { first_name: given(form.first_name) }),
      ...(given(form.last_name) === undefined ? {} : { last_name: given(form.last_name) }),
      ...(given(form.gender) === undefined ? {} : { gender: given(form.gender) }),
      ...(email === undefined ? {} : { email: email.email }),
      ...(phone === undefined ? {} : { phone: { phone: phone.phone, country_code: phone.country_code } }),
      ...(password === undefined ? {} : { password_hash: await hashPassword(password) }),
      ...(form.consent === undefined ? {} : { consent: form.consent }),
    },
    verified: proofs?.verified ?? {},
  };
  const todo = stillToVerify(pending, config);
  if (!todo.phone && !todo.email) return { kind: 'created', account: await createAccount(deps, caller, pending) };
  const requestId = todo.phone && phone !== undefined ? await sendRegistrationOtp(deps, caller, phone) : undefined;
  if (todo.email && email !== undefined) await sendRegistrationOtp(deps, caller, email);
  return {
    kind: 'pending',
    register_token: await deps.registerTokens.issue(pending),
    ...(requestId === undefined ? {} : { request_id: requestId }),
    verify_mobile_otp: todo.phone,
    verify_email_otp: todo.email,
    ...(phone === undefined ? {} : { phone }),
    ...(email === undefined ? {} : { email: email.email }),
    resend_timer: RESEND_TIMER_SECONDS,
  };
}

const sendRegistrationOtp = (deps: SigninDeps, caller: StorefrontCaller, contact: Contact) =>
  sendOtp(deps, {
    application_id: caller.application_id,
    purpose: 'contact',
    channel: channelOf(contact),
    recipient: recipientOf(contact),
    user_id: '',
    delivery: { template: 'otp_register' },
  });

/** After an OTP proved a contact of a registration in progress: the account, or what is still to prove. */
export async function continueRegistration(
  deps: SigninDeps,
  caller: StorefrontCaller,
  pending: PendingRegistration,
  config: PlatformConfig,
): Promise<RegistrationStep> {
  const todo = stillToVerify(pending, config);
  if (!todo.phone && !todo.email) return { kind: 'created', account: await createAccount(deps, caller, pending) };
  const phone = pending.form?.phone;
  return {
    kind: 'pending',
    register_token: await deps.registerTokens.issue(pending),
    verify_mobile_otp: todo.phone,
    verify_email_otp: todo.email,
    ...(phone === undefined ? {} : { phone: { kind: 'phone', ...phone } }),
    ...(pending.form?.email === undefined ? {} : { email: pending.form.email }),
    resend_timer: RESEND_TIMER_SECONDS,
  };
}

async function createAccount(deps: SigninDeps, caller: StorefrontCaller, pending: PendingRegistration): Promise<Account> {
  const form = pending.form ?? {};
  const userId = deps.ids.objectId();
  const phoneVerified = form.phone !== undefined && sameContact({ kind: 'phone', ...form.phone }, pending.verified.phone && { kind: 'phone', ...pending.verified.phone });
  const emailVerified = form.email !== undefined && form.email === pending.verified.email;
  const handle = form.phone?.phone ?? (form.email ?? 'user').split('@')[0] ?? 'user';
  const state = await registerCustomer(
    deps,
    caller.context('registerCustomer', userId),
    {
      user_id: userId,
      application_id: caller.application_id,
      company_id: caller.company_id,
      // Fynd's convention, as for customers a merchant creates: a handle and a short suffix.
      username: `${handle}_${userId.slice(-5)}`,
      ...(form.first_name === undefined ? {} : { first_name: form.first_name }),
      ...(form.last_name === undefined ? {} : { last_name: form.last_name }),
      ...(form.gender === undefined ? {} : { gender: form.gender }),
      meta: form.consent === undefined ? {} : { privacy_policy_consent: form.consent },
      phone_numbers: form.phone === undefined ? [] : [{ ...form.phone, active: true, primary: true, verified: phoneVerified }],
      emails: form.email === undefined ? [] : [{ email: form.email, active: true, primary: true, verified: emailVerified }],
      account_type: 'user',
    },
    form.password_hash,
  );
  if (form.email !== undefined && !emailVerified) await sendVerificationLink(deps, caller, userId, { kind: 'email', email: form.email });
  if (form.phone !== undefined && !phoneVerified) await sendVerificationLink(deps, caller, userId, { kind: 'phone', ...form.phone });
  return { user_id: userId, state };
}

/** A soft-level contact is verified later, from a link; a throttled link is not worth failing a registration over. */
async function sendVerificationLink(deps: SigninDeps, caller: StorefrontCaller, userId: string, contact: Contact): Promise<void> {
  try {
    await issueVerificationLink(deps, caller, userId, contact);
  } catch (error) {
    if (!(error instanceof DomainError && error.kind === 'rate_limited')) throw error;
  }
}

/** A link proving the shopper receives messages at a contact of their account (verifyEmail / verifyMobile consume it). */
export async function issueVerificationLink(deps: SigninDeps, caller: StorefrontCaller, userId: string, contact: Contact): Promise<void> {
  await sendLinkCode(deps, {
    application_id: caller.application_id,
    purpose: 'verify_link',
    channel: channelOf(contact),
    recipient: recipientOf(contact),
    user_id: userId,
    ttl_ms: VERIFY_LINK_TTL_MS,
    delivery: { template: contact.kind === 'email' ? 'email_verification_link' : 'mobile_verification_link' },
  });
}
