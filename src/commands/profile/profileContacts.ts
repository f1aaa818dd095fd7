import type { ContactData } from '../../events/customerEvents.js';
import { DomainError } from '../../shared/errors.js';
import { primaryOf, type ContactCommand } from '../customer/contactChanges.js';
import { runCommand } from '../commandRunner.js';
import { planForUser, present, type PresentCustomer } from '../customer/handlers.js';
import type { PlatformConfig } from '../platformConfig/configSchema.js';
import type { SessionRecord } from '../session/sessionStore.js';
import type { StorefrontCaller } from '../signin/caller.js';
import { channelOf, recipientOf } from '../signin/contacts.js';
import { issueVerificationLink } from '../signin/registration.js';
import type { SigninDeps } from '../signin/signinDeps.js';

export interface ProfileDeps extends SigninDeps {
  /** A session younger than this may change sign-in contacts without an OTP to the current primary. */
  recentSignInMs: number;
}

/** The signed-in shopper making the change. */
export interface ProfileActor {
  user_id: string;
  session: SessionRecord;
}

export type Entity = 'email' | 'mobile';
export const entityOf = (kind: ContactData['kind']): Entity => (kind === 'email' ? 'email' : 'mobile');

/** Where the proof of a verified OTP to the current primary is kept: per shopper and entity. */
export const proofRecipient = (entity: Entity, userId: string): string => `primary:${entity}:${userId}`;

/**
 * Emails and mobiles are how a shopper gets back into the account, so a stolen session alone must
 * not change them: the session has to be recent, or the shopper has just entered an OTP sent to
 * their current primary email or mobile (profile v2 `primary/otp/verify`).
 */
export async function assertFreshlyProven(deps: ProfileDeps, caller: StorefrontCaller, actor: ProfileActor): Promise<void> {
  const now = deps.clock.now().getTime();
  if (now - actor.session.created_at <= deps.recentSignInMs) return;
  for (const entity of ['email', 'mobile'] as const) {
    if ((await deps.otps.latest(caller.application_id, 'primary_proof', proofRecipient(entity, actor.user_id), now)) !== null) return;
  }
  const minutes = Math.round(deps.recentSignInMs / 60_000);
  throw new DomainError(
    'forbidden',
    'recent_sign_in_required',
    `changing your emails or mobile numbers needs a sign-in within the last ${minutes} minutes, or an OTP to your current primary (profile/v2.0/{entity}/primary/otp/send)`,
  );
}

/** Shows enough of an address for its owner to recognise it, not enough to read it. */
export function masked(contact: ContactData): string {
  if (contact.kind === 'phone') return `+${contact.country_code} ${'•'.repeat(Math.max(0, contact.phone.length - 2))}${contact.phone.slice(-2)}`;
  const [local = '', domain = ''] = contact.email.split('@');
  return `${local.slice(0, 1)}${'•'.repeat(Math.max(1, local.length - 1))}@${domain}`;
}

const CHANGE_OF: Record<ContactCommand['type'], string> = { AddContact: 'added', RemoveContact: 'removed', SetPrimaryContact: 'primary_changed' };

/**
 * One change to the shopper's emails or mobiles, by the shopper, then a word to the primary of
 * that kind as it was before the change: if it was not the shopper, the owner hears of it.
 */
export async function changeContacts(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  actor: ProfileActor,
  command: ContactCommand,
  name: string,
): Promise<PresentCustomer> {
  await assertFreshlyProven(deps, caller, actor);
  return applyContactChange(deps, caller, actor.user_id, command, name);
}

/** The change itself, once the caller has proven it may make it. */
export async function applyContactChange(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  userId: string,
  command: ContactCommand,
  name: string,
): Promise<PresentCustomer> {
  const before = await runCustomerCommandWithBefore(deps, caller, userId, command, name);
  const previous = primaryOf(before.before.profile, command.contact.kind);
  if (previous !== undefined) {
    await deps.notifier.send({
      channel: channelOf(previous),
      to: recipientOf(previous),
      template: command.contact.kind === 'email' ? 'email_changed' : 'mobile_changed',
      data: { change: CHANGE_OF[command.type], contact: masked(command.contact), at: deps.clock.now().toISOString() },
      application_id: caller.application_id,
    });
  }
  if (command.type === 'AddContact' && !command.verified) await issueVerificationLink(deps, caller, userId, command.contact);
  return before.after;
}

function runCustomerCommandWithBefore(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  userId: string,
  command: ContactCommand,
  name: string,
): Promise<{ before: PresentCustomer; after: PresentCustomer }> {
  const context = caller.context(name, userId);
  return runCommand(deps, context, async () => {
    const plan = await planForUser(deps, context, userId, command);
    return { appends: plan.appends, result: { before: present(plan.before), after: present(plan.after) } };
  });
}

/** sendVerificationLinkToEmail / ToMobile: a fresh link to a contact of the profile that is not verified yet. */
export async function resendVerificationLink(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  account: PresentCustomer,
  contact: ContactData,
  field: string,
): Promise<boolean> {
  const { emails, phone_numbers } = account.profile;
  const entry =
    contact.kind === 'email'
      ? emails.find((e) => e.email.toLowerCase() === contact.email.toLowerCase())
      : phone_numbers.find((p) => p.phone === contact.phone && p.country_code === contact.country_code);
  if (entry === undefined) {
    throw new DomainError('validation', 'invalid_input', `${field}: is not in your profile`, [{ field, message: 'is not in your profile' }]);
  }
  if (entry.verified) return false;
  await issueVerificationLink(deps, caller, account.profile.user_id, contact);
  return true;
}

/** Whether the sales channel insists on this kind of contact (`required_fields.<kind>` at level hard). */
export const isRequired = (config: PlatformConfig, kind: ContactData['kind']): boolean => {
  const rule = kind === 'email' ? config.required_fields.email : config.required_fields.mobile;
  return rule.is_required && rule.level === 'hard';
};
