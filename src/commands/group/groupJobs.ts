import type { Actor } from '../../events/envelope.js';
import { PermanentJobError, errorMessage, type JobInfo, type JobQueue } from '../../jobs/jobQueue.js';
import { GroupJobFailure, groupJobPayload, jobContext, type GroupJobDeps, type GroupJobPayload } from './groupJob.js';
import { recordGroupJob, type QueuedJob } from './handlers.js';
import { importCsv } from './csvImport.js';
import { evaluateWholeGroup } from './conditionMembers.js';
import { scheduleReportForgetting } from './reportRetention.js';

export const GROUP_JOB = 'userGroup.members';

export async function enqueueGroupJob(
  jobs: JobQueue,
  scope: { group_id: string; application_id: string; company_id: string; actor: Actor },
  job: QueuedJob,
): Promise<void> {
  const payload: GroupJobPayload = { ...scope, ...job };
  await jobs.enqueue(GROUP_JOB, payload, { jobId: `group-${job.job_id}` });
}

/**
 * Runs membership jobs. A job that cannot succeed (a refused URL, a file without the columns)
 * finishes the group's job as failed at once; other errors are retried, and the last attempt's
 * failure is recorded on the group too. A CSV import books its report of rejected rows to be
 * forgotten `deps.reportDays` later (see reportRetention.ts).
 */
export function registerGroupJobs(jobs: JobQueue, deps: GroupJobDeps): void {
  jobs.register(GROUP_JOB, async (raw: unknown, info: JobInfo) => {
    const parsed = groupJobPayload.safeParse(raw);
    if (!parsed.success) throw new PermanentJobError(`unreadable group job payload: ${parsed.error.message}`);
    const payload = parsed.data;
    const group = await deps.groups.get(payload.application_id, payload.group_id);
    // A newer job replaced this one: its result would be overwritten anyway.
    if (group === null || group.current_job !== payload.job_id) return;
    if (group.status === 'pending') {
      await recordGroupJob(deps.commands, jobContext(payload, 'startGroupJob', 'start'), payload.group_id, { type: 'StartJob', job_id: payload.job_id });
    }
    const finish = (outcome: 'completed' | 'failed', rows: number, error_count: number, reason?: string) =>
      recordGroupJob(deps.commands, jobContext(payload, 'finishGroupJob', 'finish'), payload.group_id, {
        type: 'FinishJob',
        job_id: payload.job_id,
        outcome,
        rows,
        error_count,
        ...(reason === undefined ? {} : { reason }),
      });
    try {
      // Booked before the first row is read: an import that fails half way has rejected rows too.
      if (payload.kind === 'csv') await scheduleReportForgetting({ jobs, days: deps.reportDays, clock: deps.commands.clock }, payload);
      const result = payload.kind === 'csv' ? await importCsv(deps, payload) : await evaluateWholeGroup(deps, payload);
      await finish('completed', result.rows, result.error_count);
    } catch (error) {
      const permanent = error instanceof GroupJobFailure || (error as { permanent?: unknown }).permanent === true;
      if (!permanent && info.attempt < info.maxAttempts) throw error;
      await finish('failed', 0, 0, errorMessage(error));
    }
  });
}
