import { z } from 'zod';
import { PermanentJobError, rebookIfEarly, type JobInfo, type JobQueue } from '../../jobs/jobQueue.js';
import type { CommandContext } from '../commandRunner.js';
import type { SessionDeps } from '../session/sessions.js';
import { assertNoPendingDeletion } from './accountLifecycle.js';
import { loadCustomer, runCustomerCommand } from './handlers.js';
import { archiveCustomerEverywhere, signOutEverywhere } from './signOut.js';

export const ACCOUNT_DELETION_JOB = 'account-deletion';
const DAY_MS = 86_400_000;

export interface DeletionDeps extends SessionDeps {
  jobs: JobQueue;
}

const jobPayload = z.object({
  deletion_id: z.string().min(1),
  user_id: z.string().min(1),
  application_id: z.string().min(1),
  company_id: z.string().min(1),
  delete_on: z.iso.datetime(),
  reason: z.string(),
  reason_id: z.string(),
});
type DeletionJob = z.infer<typeof jobPayload>;

const jobIdOf = (deletionId: string) => `${ACCOUNT_DELETION_JOB}:${deletionId}`;

/**
 * A shopper's own delete request, confirmed by OTP or password before this is called: the
 * request is recorded (reason and actor in the event), every session ends at once, and the
 * account is archived `days` later by a delayed job. The job is queued first: should the append
 * fail after it, the job finds no matching request and does nothing.
 */
export async function requestAccountDeletion(
  deps: DeletionDeps,
  context: CommandContext,
  input: { user_id: string; company_id: string; application_id: string; reason: string; reason_id: string; confirmed_by: 'otp' | 'password'; days: number },
): Promise<{ delete_on: string }> {
  // Refused before anything is queued, so a repeated request leaves no stray job behind.
  const { state } = await loadCustomer(deps, input.user_id);
  if (state.status === 'present') assertNoPendingDeletion(state);
  const now = deps.clock.now().getTime();
  const deletionId = Buffer.from(deps.ids.token(16), 'base64url').toString('hex');
  const deleteOn = new Date(now + input.days * DAY_MS).toISOString();
  const job: DeletionJob = {
    deletion_id: deletionId,
    user_id: input.user_id,
    application_id: input.application_id,
    company_id: input.company_id,
    delete_on: deleteOn,
    reason: input.reason,
    reason_id: input.reason_id,
  };
  await deps.jobs.enqueue(ACCOUNT_DELETION_JOB, job, { jobId: jobIdOf(deletionId), delayMs: input.days * DAY_MS });
  await runCustomerCommand(deps, context, input.user_id, {
    type: 'RequestDeletion',
    deletion_id: deletionId,
    reason: input.reason,
    reason_id: input.reason_id,
    delete_on: deleteOn,
    confirmed_by: input.confirmed_by,
  });
  await signOutEverywhere(deps, context, input.user_id, { reason: `account deletion requested: ${input.reason}`, reason_id: input.reason_id });
  return { delete_on: deleteOn };
}

/** Withdraws a waiting delete request (the job, when its day comes, finds nothing to do). */
export const cancelAccountDeletion = (deps: SessionDeps, context: CommandContext, userId: string, reason: string) =>
  runCustomerCommand(deps, context, userId, { type: 'CancelDeletion', reason });

/**
 * Archives the account when the request is still the one waiting and its day has come. A run
 * ahead of time (a clock behind another instance's, an operator promoting the job) queues itself
 * again for the rest of the wait. Re-runs are harmless: an archived customer has no request waiting.
 */
export async function runAccountDeletion(deps: DeletionDeps, payload: unknown, job: JobInfo): Promise<void> {
  const parsed = jobPayload.safeParse(payload);
  if (!parsed.success) throw new PermanentJobError(`unreadable account-deletion job: ${parsed.error.message}`);
  const request = parsed.data;
  const booking = { payload: request, baseId: jobIdOf(request.deletion_id), dueAt: request.delete_on, now: deps.clock.now() };
  if (await rebookIfEarly(deps.jobs, job, booking)) return;
  const { state } = await loadCustomer(deps, request.user_id);
  if (state.status !== 'present' || state.deletion?.deletion_id !== request.deletion_id) return;
  const context: CommandContext = {
    name: 'archiveDeletedAccount',
    commandId: jobIdOf(request.deletion_id),
    metadata: {
      company_id: request.company_id,
      application_id: request.application_id,
      actor: { type: 'system', id: ACCOUNT_DELETION_JOB },
      correlation_id: jobIdOf(request.deletion_id),
    },
  };
  await archiveCustomerEverywhere(deps, context, request.user_id, {
    reason: `deleted at the customer's request: ${request.reason}`,
    reason_id: request.reason_id,
  });
}

export function registerAccountDeletion(jobs: JobQueue, deps: SessionDeps): void {
  jobs.register(ACCOUNT_DELETION_JOB, (payload, job) => runAccountDeletion({ ...deps, jobs }, payload, job));
}
