import { z } from 'zod';
import { ERASED } from '../../events/erased.js';
import type { DataKeys } from '../../events/dataKeys.js';
import { PermanentJobError, rebookIfEarly, type JobInfo, type JobQueue } from '../../jobs/jobQueue.js';
import type { GroupsReadModel } from '../../projections/groups/groupView.js';
import type { Clock } from '../../shared/clock.js';
import type { CommandContext, CommandDeps } from '../commandRunner.js';
import { forgetImportReport } from './handlers.js';

export const REPORT_RETENTION_JOB = 'userGroup.forgetReport';
const DAY_MS = 86_400_000;
/** Who forgets a report whose time is up, in the event's actor. */
const RETENTION_ACTOR = { type: 'system', id: 'import-report-retention' } as const;

const jobPayload = z.object({
  group_id: z.string().min(1),
  application_id: z.string().min(1),
  company_id: z.string().min(1),
  job_id: z.string().min(1),
  forget_on: z.iso.datetime(),
  days: z.number().int().min(1),
});
type RetentionJob = z.infer<typeof jobPayload>;

export interface ReportRetentionDeps {
  commands: CommandDeps;
  groups: GroupsReadModel;
  keys: Pick<DataKeys, 'destroy'>;
  jobs: JobQueue;
  /** GROUP_IMPORT_REPORT_DAYS; 0 keeps reports until someone forgets them by hand. */
  days: number;
}

const jobIdOf = (importJobId: string) => `${REPORT_RETENTION_JOB}:${importJobId}`;

/**
 * The rejected rows of a CSV import quote people who are not customers (an email, a phone number
 * typed into the file): useful to the merchant for a while, then only a liability. Every CSV
 * import books its report to be forgotten `days` after it starts, before it reads a row: whether
 * it then succeeds, fails half way or dies, the rows it rejected are covered. Each attempt books
 * again under the same id, which the queue ignores; an import that rejected nothing leaves a job
 * that finds nothing to forget.
 */
export async function scheduleReportForgetting(
  deps: { jobs: JobQueue; days: number; clock: Clock },
  importJob: { group_id: string; application_id: string; company_id: string; job_id: string },
): Promise<void> {
  if (deps.days === 0) return;
  const delayMs = deps.days * DAY_MS;
  const job: RetentionJob = {
    group_id: importJob.group_id,
    application_id: importJob.application_id,
    company_id: importJob.company_id,
    job_id: importJob.job_id,
    forget_on: new Date(deps.clock.now().getTime() + delayMs).toISOString(),
    days: deps.days,
  };
  await deps.jobs.enqueue(REPORT_RETENTION_JOB, job, { jobId: jobIdOf(importJob.job_id), delayMs });
}

/**
 * Forgets the report when its day has come, as `groups forget-report` does by hand: the import's
 * data key is destroyed and the event records the system as the actor, with the retention as the
 * reason. A run ahead of time (a clock behind another instance's) books itself again for the rest
 * of the wait. A report already forgotten (by hand, or by an earlier run of this job) is left alone.
 */
export async function runReportForgetting(deps: ReportRetentionDeps, payload: unknown, job: JobInfo): Promise<void> {
  const parsed = jobPayload.safeParse(payload);
  if (!parsed.success) throw new PermanentJobError(`unreadable report-retention job: ${parsed.error.message}`);
  const request = parsed.data;
  const booking = { payload: request, baseId: jobIdOf(request.job_id), dueAt: request.forget_on, now: deps.commands.clock.now() };
  if (await rebookIfEarly(deps.jobs, job, booking)) return;
  const rows = await deps.groups.importErrors(request.application_id, request.job_id);
  if (rows.every((row) => row.value === ERASED)) return;
  const context: CommandContext = {
    name: 'forgetImportReport',
    commandId: jobIdOf(request.job_id),
    metadata: {
      company_id: request.company_id,
      application_id: request.application_id,
      actor: RETENTION_ACTOR,
      correlation_id: request.job_id,
      causation_id: request.job_id,
    },
  };
  const reason = `kept ${request.days} day${request.days === 1 ? '' : 's'} after the import (GROUP_IMPORT_REPORT_DAYS)`;
  await forgetImportReport({ ...deps.commands, keys: deps.keys }, context, request.group_id, request.job_id, reason);
}

export function registerReportRetention(deps: ReportRetentionDeps): void {
  deps.jobs.register(REPORT_RETENTION_JOB, (payload, job) => runReportForgetting(deps, payload, job));
}
