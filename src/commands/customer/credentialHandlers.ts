import { signInFailuresStream } from '../../events/customerEvents.js';
import { runCommand, type CommandContext, type CommandDeps } from '../commandRunner.js';
import type { CredentialCommand } from './credentials.js';
import { decideCustomer } from './decider.js';
import { applicationOf, planForUser, present, type PresentCustomer } from './handlers.js';
import type { CustomerProfile } from './decider.js';
import { notFound } from '../../shared/errors.js';

/** A storefront registration: the customer and their first password, in one append. */
export async function registerCustomer(
  deps: CommandDeps,
  context: CommandContext,
  profile: CustomerProfile,
  passwordHash: string | undefined,
): Promise<PresentCustomer> {
  return runCommand(deps, context, async () => {
    const command =
      passwordHash === undefined
        ? ({ type: 'CreateCustomer', data: profile } as const)
        : ({ type: 'RegisterCustomer', data: profile, password_hash: passwordHash } as const);
    const { after, appends } = await planForUser(deps, context, profile.user_id, command);
    return { appends, result: present(after) };
  });
}

/** Password changes and contact verification: ordinary commands on the customer's stream. */
export async function changeCredentials(
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  command: Extract<CredentialCommand, { type: 'SetPassword' | 'VerifyContact' }>,
): Promise<PresentCustomer> {
  return runCommand(deps, context, async () => {
    const { after, appends } = await planForUser(deps, context, userId, command);
    return { appends, result: present(after) };
  });
}

/**
 * Failed sign-ins are appended without an expected revision: their order and number come from
 * the attempt counter, and 50 concurrent failures must all be written, not retried into a 409.
 */
export async function recordLoginFailure(
  deps: CommandDeps,
  context: CommandContext,
  customer: PresentCustomer,
  command: Extract<CredentialCommand, { type: 'RecordLoginFailure' }>,
): Promise<void> {
  // The caller has just read the customer to check the password: no second read of its stream.
  if (customer.profile.application_id !== applicationOf(context)) throw notFound('user');
  const events = decideCustomer(command, customer);
  const stream = signInFailuresStream(customer.profile.user_id);
  await runCommand(deps, context, async () => ({ appends: [{ stream, expectedRevision: 'any', events }], result: undefined }));
}
