import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupImportStream, groupStream } from '../../src/events/groupEvents.js';
import { ManualClock } from '../../src/shared/clock.js';
import { REPORT_RETENTION_JOB, runReportForgetting } from '../../src/commands/group/reportRetention.js';
import { eventually, startFileServer, type FileServer } from '../support/fileServer.js';
import { APP, COMPANY, JOB_QUEUES, REDIS_URL, call, requestPlatformToken, startTestService, type TestService } from '../support/testService.js';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


describe.each(JOB_QUEUES)('an import report is forgotten GROUP_IMPORT_REPORT_DAYS after the import ($name)', ({ redis }) => {
  const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
  const database = `test_${randomBytes(6).toString('hex')}`;
  let t: TestService;
  let files: FileServer;
  let bull: Queue | undefined;
  let member = { id: '', email: '' };

  beforeAll(async () => {
    t = await startTestService(
      { GROUP_IMPORT_ALLOWED_HOSTS: '127.0.0.1', GROUP_IMPORT_REPORT_DAYS: '7', ...(redis ? { REDIS_URL, MONGODB_DATABASE: database } : {}) },
      { clock, jobTuning: { pollMs: 5, backoffMs: 10 } },
    );
    if (redis) bull = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: `user-service:${database}` });
    const token = await requestPlatformToken(t.baseUrl);
    const email = `kept-${randomBytes(4).toString('hex')}@retention.example.com`;
    const created = await call('POST', `${t.platformBase}/customers`, token, { email, phone_number: '9612345678' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    member = { id: (created.body.user as { _id: string })._id, email };
    files = await startFileServer({
      '/with-strangers.csv': `email,action\n${email},add\nstranger@elsewhere.example.com,add\n`,
      '/clean.csv': `email,action\n${email},add\n`,
    });
  });
  afterAll(async () => {
    await files.close();
    await t.close();
    if (bull !== undefined) {
      await bull.obliterate({ force: true });
      await bull.close();
    }
  });

  /** Imports a file into a new bulk group and waits for the job to finish; its job id and error count. */
  async function runImport(path: string): Promise<{ groupId: string; jobId: string; errors: number }> {
    // Fresh each time: a token expires once the clock has moved days on.
    const token = await requestPlatformToken(t.baseUrl);
    const res = await call('POST', `${t.platformBase}/user_group`, token, { name: `import of ${path}`, description: 'retention', file_url: files.url(path) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const groupId = (res.body as { _id: string })._id;
    const done = await eventually(
      async () => (await call('GET', `${t.platformBase}/user_group/${groupId}`, token)).body as { status: string; error: { count: number } },
      (g) => g.status === 'completed' || g.status === 'failed',
    );
    expect(done.status).toBe('completed');
    const queued = (await t.service.eventStore.readStream(groupStream(groupId))).find((e) => e.type === 'UserGroupJobQueued');
    return { groupId, jobId: (queued?.data as { job_id: string }).job_id, errors: done.error.count };
  }
  const reportValues = async (jobId: string) => (await t.service.readStore.groups.importErrors(APP, jobId)).map((row) => row.value);

  /** Moves the service's clock on; BullMQ's delayed jobs wait on Redis time, so they are made due by hand. */
  async function passDays(days: number): Promise<void> {
    clock.advance(days * DAY);
    for (const job of (await bull?.getDelayed()) ?? []) if (job.name === REPORT_RETENTION_JOB) await job.promote();
  }


  it('keeps the rejected rows readable for the retention period, then forgets them with the system as the actor', async () => {
    const { groupId, jobId, errors } = await runImport('/with-strangers.csv');
    expect(errors).toBe(1);
    expect(await reportValues(jobId)).toEqual(['stranger@elsewhere.example.com']);
    const retentionJob = `${REPORT_RETENTION_JOB}:${jobId}`;
    expect(await t.service.jobs.status(retentionJob)).toBe('pending');

    // A run a day early (an operator promoting it, another instance's clock ahead) books itself again.
    clock.advance(6 * DAY);
    expect(await t.service.jobs.promote(retentionJob)).toBe(true);
    await eventually(() => t.service.jobs.status(retentionJob), (s) => s === 'done');
    await sleep(50);
    expect(await reportValues(jobId)).toEqual(['stranger@elsewhere.example.com']);

    await passDays(1);
    await eventually(() => reportValues(jobId), (values) => values[0] === '[erased]');
    const forgotten = (await t.service.eventStore.readStream(groupStream(groupId))).at(-1);
    expect(forgotten).toMatchObject({
      type: 'UserGroupImportReportForgotten',
      data: { job_id: jobId, reason: 'kept 7 days after the import (GROUP_IMPORT_REPORT_DAYS)' },
      metadata: { actor: { type: 'system', id: 'import-report-retention' } },
    });
    // The import's key is gone: the log's copy of the row reads as erased too.
    const batches = await t.service.eventStore.readStream(groupImportStream(jobId));
    expect(JSON.stringify(batches.map((b) => b.data))).not.toContain('stranger@elsewhere.example.com');
    // Only what the rejected row quoted is forgotten: the member the file added stays.
    expect(await t.service.readStore.groups.isMember(APP, groupId, member.id)).toBe(true);
  });

  it('appends nothing for an import that rejected no row when its day comes', async () => {
    const clean = await runImport('/clean.csv');
    expect(clean.errors).toBe(0);
    const retentionJob = `${REPORT_RETENTION_JOB}:${clean.jobId}`;
    expect(await t.service.jobs.status(retentionJob)).toBe('pending');
    const eventsBefore = (await t.service.eventStore.readStream(groupStream(clean.groupId))).length;
    await passDays(7);
    await eventually(() => t.service.jobs.status(retentionJob), (s) => s === 'done');
    expect((await t.service.eventStore.readStream(groupStream(clean.groupId))).length).toBe(eventsBefore);
  });

  it('leaves a report that was already forgotten alone when the job runs again', async () => {
    const { groupId, jobId } = await runImport('/with-strangers.csv');
    const retentionJob = `${REPORT_RETENTION_JOB}:${jobId}`;
    await passDays(7);
    if (redis) await t.service.jobs.promote(retentionJob);
    await eventually(() => reportValues(jobId), (values) => values[0] === '[erased]');
    const eventsBefore = (await t.service.eventStore.readStream(groupStream(groupId))).length;
    // At least once: a worker that died after the work but before recording it runs the job again.
    const payload = { group_id: groupId, application_id: APP, company_id: COMPANY, job_id: jobId, forget_on: clock.now().toISOString(), days: 7 };
    await runReportForgetting(
      { commands: t.service.commands, groups: t.service.readStore.groups, keys: t.service.eventStore.keys, jobs: t.service.jobs, days: 7 },
      payload,
      { id: retentionJob, name: REPORT_RETENTION_JOB, attempt: 2, maxAttempts: 6 },
    );
    expect((await t.service.eventStore.readStream(groupStream(groupId))).length).toBe(eventsBefore);
  });
});
