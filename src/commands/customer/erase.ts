import type { DataKeys } from '../../events/dataKeys.js';
import { userAttributeStream, type UserAttributeEvent } from '../../events/userAttributeEvents.js';
import type { UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import { notFound } from '../../shared/errors.js';
import { loadStream, runCommand, type CommandContext, type PlannedAppend } from '../commandRunner.js';
import { endSessions, type SessionDeps } from '../session/sessions.js';
import { decideUserAttribute, evolveUserAttribute, initialUserAttributeState, type UserAttributeState } from '../userAttribute/decider.js';
import { applicationOf, loadCustomer, runCustomerCommand } from './handlers.js';

/** A store outside the log that may hold an erased person's addresses (OTP codes, the outbox). */
export type ForgetRecipients = (applicationId: string, userId: string, recipients: string[]) => Promise<void>;

export interface ErasureDeps {
  sessions: SessionDeps;
  userAttributes: UserAttributesReadModel;
  keys: DataKeys;
  forget: ForgetRecipients[];
}

export const USER_ERASED = 'user_erased';

/**
 * Right to be forgotten. In this order, each step safe to repeat, so that an erasure cut short
 * is finished by asking again: sessions end, attribute values are deleted, `UserErased` is
 * appended (which releases the email, phone and username reservations in the same append), the
 * person's data key is destroyed (from then on the log reads their fields as the erased
 * marker), and the stores outside the log forget their addresses.
 */
export async function eraseCustomer(
  deps: ErasureDeps,
  context: CommandContext,
  userId: string,
  reason: { reason: string; reason_id?: string },
): Promise<void> {
  const applicationId = applicationOf(context);
  const { state } = await loadCustomer(deps.sessions, userId);
  if (state.status === 'absent' || state.profile.application_id !== applicationId) throw notFound('user');
  const recipients =
    state.erased === true
      ? []
      : [
          ...state.profile.emails.flatMap((e) => [e.email, e.email.toLowerCase()]),
          ...state.profile.phone_numbers.flatMap((p) => [`+${p.country_code}${p.phone}`, p.phone]),
        ];
  await endSessions(deps.sessions, context, { application_id: applicationId, user_id: userId, reason: USER_ERASED, ...reasonId(reason) });
  await deleteAttributeValues(deps, context, applicationId, userId);
  await runCustomerCommand(deps.sessions, context, userId, { type: 'EraseCustomer', data: reason });
  await deps.keys.destroy(userId);
  const unique = [...new Set(recipients)];
  for (const forget of deps.forget) await forget(applicationId, userId, unique);
}

const reasonId = (reason: { reason_id?: string }) => (reason.reason_id === undefined ? {} : { reason_id: reason.reason_id });

async function deleteAttributeValues(deps: ErasureDeps, context: CommandContext, applicationId: string, userId: string): Promise<void> {
  await runCommand(deps.sessions, context, async () => {
    const values = await deps.userAttributes.ofUsers(applicationId, [userId]);
    const appends: PlannedAppend[] = [];
    for (const value of values) {
      const stream = userAttributeStream(value.definition_id, userId);
      const loaded = await loadStream<UserAttributeState, UserAttributeEvent>(deps.sessions.store, stream, evolveUserAttribute, initialUserAttributeState);
      if (loaded.state.status === 'absent') continue;
      appends.push({ stream, expectedRevision: loaded.revision, events: decideUserAttribute({ type: 'DeleteUserAttribute', reason: 'user_erased' }, loaded.state) });
    }
    return { appends, result: undefined };
  });
}
