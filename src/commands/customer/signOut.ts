import type { CommandContext } from '../commandRunner.js';
import { endSessions, type SessionDeps } from '../session/sessions.js';
import { applicationOf, archiveCustomer, setCustomersActive } from './handlers.js';

type Reason = { reason: string; reason_id?: string };

/** Ends every session of a customer at once, each with its own event carrying the reason. */
export const signOutEverywhere = (deps: SessionDeps, context: CommandContext, userId: string, reason: Reason): Promise<string[]> =>
  endSessions(deps, context, { application_id: applicationOf(context), user_id: userId, ...reason });

/** A blocked customer is signed out everywhere, at once. */
export async function blockCustomers(deps: SessionDeps, context: CommandContext, userIds: string[], reason: Reason): Promise<void> {
  await setCustomersActive(deps, context, userIds, false, reason);
  for (const userId of new Set(userIds)) await signOutEverywhere(deps, context, userId, { ...reason, reason: `customer blocked: ${reason.reason}` });
}

/** An archived customer too: by a merchant, or by the shopper's own delete request when its day comes. */
export async function archiveCustomerEverywhere(deps: SessionDeps, context: CommandContext, userId: string, reason: Partial<Reason>): Promise<void> {
  await archiveCustomer(deps, context, userId, reason);
  await signOutEverywhere(deps, context, userId, {
    reason: `customer archived${reason.reason === undefined ? '' : `: ${reason.reason}`}`,
    ...(reason.reason_id === undefined ? {} : { reason_id: reason.reason_id }),
  });
}
