import type { ContactData } from '../../events/customerEvents.js';
import { invalid } from '../../shared/errors.js';
import type { CustomerCommand } from '../customer/decider.js';
import { loadCustomer, present, runCustomerCommand } from '../customer/handlers.js';
import type { PlatformConfig } from '../platformConfig/configSchema.js';
import type { StorefrontCaller } from '../signin/caller.js';
import { changeContacts, isRequired, type ProfileActor, type ProfileDeps } from './profileContacts.js';

export interface ProfileEdit {
  first_name?: string | undefined;
  last_name?: string | undefined;
  gender?: string | undefined;
  dob?: string | undefined;
  profile_pic_url?: string | undefined;
  email?: (ContactData & { kind: 'email' }) | undefined;
  mobile?: (ContactData & { kind: 'phone' }) | undefined;
}

export interface ProfileEditOutcome {
  email_link_sent: boolean;
  mobile_link_sent: boolean;
  added_email?: string;
  added_mobile?: { phone: string; country_code: number };
}

const holds = (profile: { emails: Array<{ email: string }>; phone_numbers: Array<{ phone: string; country_code: number }> }, contact: ContactData) =>
  contact.kind === 'email'
    ? profile.emails.some((e) => e.email.toLowerCase() === contact.email)
    : profile.phone_numbers.some((p) => p.phone === contact.phone && p.country_code === contact.country_code);

/**
 * updateProfile: the shopper's names, gender, birth date and picture, and an email or mobile
 * not yet in the profile (added as by addEmail / addMobileNumber: it needs a recent sign-in and
 * stays unverified until its link comes back). A channel that requires an email or a mobile
 * (`required_fields`, level hard) gets one before anything else is saved.
 */
export async function updateProfileDetails(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  actor: ProfileActor,
  config: PlatformConfig,
  edit: ProfileEdit,
): Promise<ProfileEditOutcome> {
  const current = present((await loadCustomer(deps, actor.user_id)).state).profile;
  if (isRequired(config, 'email') && current.emails.length === 0 && edit.email === undefined) throw invalid('body.email', 'is required by this sales channel');
  if (isRequired(config, 'phone') && current.phone_numbers.length === 0 && edit.mobile === undefined) {
    throw invalid('body.mobile.phone', 'is required by this sales channel');
  }
  const outcome: ProfileEditOutcome = { email_link_sent: false, mobile_link_sent: false };
  const commands: CustomerCommand[] = [];
  for (const [contact, field] of [
    [edit.email, 'body.email'],
    [edit.mobile, 'body.mobile.phone'],
  ] as const) {
    if (contact === undefined || holds(current, contact)) continue;
    commands.push({ type: 'AddContact', contact, verified: false, primary: false, field });
    if (contact.kind === 'email') Object.assign(outcome, { email_link_sent: true, added_email: contact.email });
    else Object.assign(outcome, { mobile_link_sent: true, added_mobile: { phone: contact.phone, country_code: contact.country_code } });
  }
  const changes = Object.fromEntries(
    Object.entries({
      first_name: edit.first_name,
      last_name: edit.last_name,
      gender: edit.gender,
      dob: edit.dob,
      profile_pic_url: edit.profile_pic_url,
    }).filter(([, v]) => v !== undefined),
  );
  if (Object.keys(changes).length > 0) commands.push({ type: 'UpdateCustomer', data: changes });
  if (commands.length === 0) return outcome;
  // One append: a refused contact (taken, or the session not recent enough) leaves the names unsaved too.
  if (commands.some((c) => c.type === 'AddContact')) await changeContacts(deps, caller, actor, commands, 'updateProfile');
  else await runCustomerCommand(deps, caller.context('updateProfile', actor.user_id), actor.user_id, commands);
  return outcome;
}
