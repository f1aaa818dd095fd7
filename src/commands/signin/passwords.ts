import { DomainError, invalid } from '../../shared/errors.js';
import { recentPasswordHashes } from '../customer/credentials.js';
import { changeCredentials } from '../customer/credentialHandlers.js';
import type { PresentCustomer } from '../customer/handlers.js';
import { attemptKey } from '../lockout/attemptCounter.js';
import { hashPassword, verifyPassword } from '../password/passwordHasher.js';
import { passwordProblem, type PasswordSettings } from '../password/passwordPolicy.js';
import { endSessions } from '../session/sessions.js';
import type { StorefrontCaller } from './caller.js';
import type { SigninDeps } from './signinDeps.js';

/** Values a password may not simply repeat. */
export function personalValues(state: PresentCustomer): string[] {
  const { profile } = state;
  return [profile.username, ...profile.emails.map((e) => e.email), ...profile.phone_numbers.flatMap((p) => [p.phone, `${p.country_code}${p.phone}`])];
}

/** Refuses a new password that breaks the channel's policy, naming the field. */
export function assertAcceptablePassword(field: string, password: string, settings: PasswordSettings, personal: string[]): void {
  const problem = passwordProblem(password, settings, personal);
  if (problem !== null) throw invalid(field, problem);
}

export const reuseMessage = (historyCount: number): string =>
  historyCount === 0 ? 'must not be your current password' : `must not be one of your last ${historyCount + 1} passwords`;

export async function reusesRecent(state: PresentCustomer, password: string, historyCount: number): Promise<boolean> {
  for (const hash of recentPasswordHashes(state, historyCount)) {
    if (await verifyPassword(hash, password)) return true;
  }
  return false;
}

/**
 * A new password by change or reset: policy, history, the event, then every other session
 * ended (a thief's included), the lockout cleared, and the user told.
 */
export async function replacePassword(
  deps: SigninDeps,
  caller: StorefrontCaller,
  input: {
    user_id: string;
    state: PresentCustomer;
    password: string;
    field: string;
    reason: 'change' | 'reset';
    settings: PasswordSettings;
    /** The session that made the change survives it; a reset keeps none. */
    keep_session_id?: string;
  },
): Promise<PresentCustomer> {
  if (input.state.blocked) throw new DomainError('forbidden', 'user_blocked', 'this account is blocked');
  assertAcceptablePassword(input.field, input.password, input.settings, personalValues(input.state));
  const history = input.settings.history_count;
  // Only the current password is compared when history is off: "new" must differ from "old".
  if (await reusesRecent(input.state, input.password, history)) throw invalid(input.field, reuseMessage(history));
  const hash = await hashPassword(input.password);
  const context = caller.context(input.reason === 'change' ? 'changePassword' : 'resetPassword', input.user_id);
  const after = await changeCredentials(deps, context, input.user_id, {
    type: 'SetPassword',
    password_hash: hash,
    reason: input.reason,
    reuses_recent_password: false,
    history_count: history,
  });
  const now = deps.clock.now().getTime();
  const others = (await deps.sessions.listForUser(caller.application_id, input.user_id, now))
    .map((s) => s.session_id)
    .filter((id) => id !== input.keep_session_id);
  if (others.length > 0) {
    await endSessions(deps, caller.context('endSessionsAfterPasswordChange', input.user_id), {
      application_id: caller.application_id,
      user_id: input.user_id,
      session_ids: others,
      reason: input.reason === 'change' ? 'password changed' : 'password reset',
    });
  }
  await deps.attempts.reset(attemptKey(caller.application_id, input.user_id));
  await notifyPasswordChanged(deps, caller.application_id, after);
  return after;
}

/** "Your password was changed": to every verified address and number, or the primary ones. */
async function notifyPasswordChanged(deps: SigninDeps, applicationId: string, state: PresentCustomer): Promise<void> {
  const { emails, phone_numbers } = state.profile;
  const email = emails.find((e) => e.verified && e.primary) ?? emails.find((e) => e.primary);
  const phone = phone_numbers.find((p) => p.verified && p.primary) ?? phone_numbers.find((p) => p.primary);
  const data = { at: deps.clock.now().toISOString() };
  if (email !== undefined) await deps.notifier.send({ channel: 'email', to: email.email, template: 'password_changed', data, application_id: applicationId });
  if (phone !== undefined) {
    await deps.notifier.send({ channel: 'sms', to: `+${phone.country_code}${phone.phone}`, template: 'password_changed', data, application_id: applicationId });
  }
}
