import type { JobQueue } from '../../jobs/jobQueue.js';
import type { ReadStore } from '../../projections/readStore.js';
import { enqueueGroupJob } from './groupJobs.js';

/**
 * Enqueues again the job of every group still pending or in progress. The queue ignores a job
 * id it still holds, so this only revives jobs whose enqueue was lost between append and enqueue.
 */
export async function resumeGroupJobs(jobs: JobQueue, readStore: Pick<ReadStore, 'access' | 'groups'>): Promise<number> {
  let resumed = 0;
  for (const application of await readStore.access.applications()) {
    for (const status of ['pending', 'in_progress']) {
      for (let page = 1; ; page += 1) {
        const { items } = await readStore.groups.list({ application_id: application.id, status, page: { page_no: page, page_size: 100 } });
        for (const group of items) {
          if (group.current_job === null) continue;
          const job = group.type === 'bulk' ? { job_id: group.current_job, kind: 'csv' as const, file_url: group.file_url } : { job_id: group.current_job, kind: 'condition' as const };
          await enqueueGroupJob(jobs, { group_id: group.group_id, application_id: group.application_id, company_id: group.company_id, actor: { type: 'system', id: 'resume' } }, job);
          resumed += 1;
        }
        if (items.length < 100) break;
      }
    }
  }
  return resumed;
}
