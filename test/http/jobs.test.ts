import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxNotifier } from '../../src/commands/notifications/outboxNotifier.js';
import { APP, startTestService, type TestService } from '../support/testService.js';

const run = promisify(execFile);
let t: TestService;

/** The operator CLI against the test service's data directory, on the embedded store whatever the environment says. */
async function cli(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', REDIS_URL: '', NOTIFY_WEBHOOK_URL: '' },
    timeout: 30_000,
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  t = await startTestService({}, { jobTuning: { pollMs: 5 } });
});
afterAll(async () => t.close());

describe('jobs and the outbox, as an operator sees them', () => {
  it('prints the latest outbox messages, newest first', async () => {
    expect(t.service.notifier).toBeInstanceOf(OutboxNotifier);
    for (const otp of ['111111', '222222', '333333']) {
      await t.service.notifier.send({ channel: 'sms', to: '+919812345678', template: 'otp_login', data: { otp }, application_id: APP });
    }
    const [{ stdout }, human] = await Promise.all([cli('outbox', '--limit', '2', '--json'), cli('outbox')]);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.data)).toEqual([{ otp: '333333' }, { otp: '222222' }]);
    expect(lines[0]).toMatchObject({ channel: 'sms', to: '+919812345678', template: 'otp_login', application_id: APP });
    expect(human.stdout.trim().split('\n')).toHaveLength(3);
    expect(human.stdout).toContain('otp_login');
  });

  it('lists a dead-lettered job and queues it again for the running service', async () => {
    let refusing = true;
    let exported = 0;
    t.service.jobs.register('test.export', async () => {
      if (refusing) throw new Error('export target refused the file');
      exported += 1;
    });
    const id = await t.service.jobs.enqueue('test.export', { export: 'customers' }, { attempts: 2, backoffMs: 5 });
    await until(async () => (await t.service.jobs.failed()).length === 1, 'the job failed for good');

    const [listed, human] = await Promise.all([cli('jobs', 'failed', '--json'), cli('jobs', 'failed')]);
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({ id, name: 'test.export', attempts: 2, error: 'export target refused the file', payload: { export: 'customers' } });
    expect(human.stdout).toContain(`${id}  test.export  after 2 attempt(s): export target refused the file`);

    refusing = false;
    const unknown = cli('jobs', 'retry', 'no-such-job').then(
      () => 'exited 0',
      (error: unknown) => error,
    );
    const retried = await cli('jobs', 'retry', id);
    expect(retried.stdout).toContain(id);
    expect(await unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no failed job has the id no-such-job') as unknown });
    await until(() => exported === 1, 'the service ran the retried job');
    expect(await t.service.jobs.failed()).toEqual([]);
  });

  it('runs a delayed job now when an operator promotes it', async () => {
    let ran = 0;
    t.service.jobs.register('test.someday', async () => void (ran += 1));
    await t.service.jobs.enqueue('test.someday', {}, { jobId: 'someday-1', delayMs: 7 * 24 * 60 * 60_000 });
    const unknown = await cli('jobs', 'promote', 'no-such-job').then(
      () => 'exited 0',
      (error: unknown) => error,
    );
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no waiting job has the id no-such-job') as unknown });
    expect((await cli('jobs', 'promote', 'someday-1')).stdout).toContain('someday-1');
    await until(() => ran === 1, 'the service ran the promoted job');
  });

  it('exports the queue depth as a metric and the queue in the health check', async () => {
    const depthLine = async () => (await (await fetch(`${t.baseUrl}/metrics`)).text()).split('\n').find((l) => l.startsWith('job_queue_depth{'));
    const before = Number((await depthLine())?.split(' ')[1]);
    await t.service.jobs.enqueue('test.later', {}, { delayMs: 60 * 60_000 });
    expect(await depthLine()).toBe(`job_queue_depth{queue="jobs"} ${before + 1}`);
    const health = (await (await fetch(`${t.baseUrl}/health`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(health.checks.jobs).toMatchObject({ ok: true });
  });
});
