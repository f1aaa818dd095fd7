import type { ContactData } from '../../events/customerEvents.js';
import { DomainError } from '../../shared/errors.js';
import { primaryOf, type ContactCommand } from '../customer/contactChanges.js';
import type { CustomerCommand } from '../customer/decider.js';
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

const changeOf = (command: ContactCommand): string =>
  command.type === 'RemoveContact' ? 'removed' : command.type === 'SetPrimaryContact' || command.primary ? 'primary_changed' : 'added';

const isContactCommand = (command: CustomerCommand): command is ContactCommand =>
  command.type === 'AddContact' || command.type === 'RemoveContact' || command.type === 'SetPrimaryContact';

/**
 * Changes to the shopper's emails or mobiles (with any other edit of their own profile, all in
 * one append), by the shopper, then a word to the primary of each kind changed as it was before:
 * if it was not the shopper who did it, the owner hears of it.
 */
export async function changeContacts(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  actor: ProfileActor,
  commands: CustomerCommand | readonly CustomerCommand[],
  name: string,
): Promise<PresentCustomer> {
  await assertFreshlyProven(deps, caller, actor);
  return applyContactChange(deps, caller, actor.user_id, commands, name);
}

/** The change itself, once the caller has proven it may make it. */
export async function applyContactChange(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  userId: string,
  commands: CustomerCommand | readonly CustomerCommand[],
  name: string,
): Promise<PresentCustomer> {
  const list: readonly CustomerCommand[] = Array.isArray(commands) ? commands : [commands as CustomerCommand];
  const context = caller.context(name, userId);
  const { before, after } = await runCommand(deps, context, async () => {
    const plan = await planForUser(deps, context, userId, list);
    return { appends: plan.appends, result: { before: present(plan.before), after: present(plan.after) } };
  });
  for (const command of list.filter(isContactCommand)) {
    const previous = primaryOf(before.profile, command.contact.kind);
    if (previous !== undefined) {
      await deps.notifier.send({
        channel: channelOf(previous),
        to: recipientOf(previous),
        template: command.contact.kind === 'email' ? 'email_changed' : 'mobile_changed',
        data: { change: changeOf(command), contact: masked(command.contact), at: deps.clock.now().toISOString() },
        application_id: caller.application_id,
      });
    }
    if (command.type === 'AddContact' && !command.verified) await issueVerificationLink(deps, caller, userId, command.contact);
  }
  return after;
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
