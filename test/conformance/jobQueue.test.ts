import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BullmqJobQueue } from '../../src/jobs/bullmqJobQueue.js';
import { PermanentJobError, type JobInfo, type JobQueue, type JobQueueSettings } from '../../src/jobs/jobQueue.js';
import { SqliteJobQueue } from '../../src/jobs/sqliteJobQueue.js';
import { ManualClock } from '../../src/shared/clock.js';
import { openSqlite, type SqliteDatabase } from '../../src/shared/sqlite.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

/** One queue as several instances share it: each `open` is another instance's handle on it. */
interface JobQueueBackend {
  open(settings?: Partial<JobQueueSettings>): JobQueue;
  cleanup(): Promise<void>;
}

/** One behaviour suite for every job queue adapter, on real timers: Redis keeps its own time. */
function jobQueueConformance(name: string, createBackend: () => Promise<JobQueueBackend>) {
  describe(`job queue conformance: ${name}`, () => {
    let backend: JobQueueBackend;
    beforeEach(async () => {
      backend = await createBackend();
    });
    afterEach(async () => backend.cleanup());

    it('runs a job with its payload', async () => {
      const queue = backend.open();
      const runs: Array<{ payload: unknown; job: JobInfo }> = [];
      queue.register('greet', async (payload, job) => void runs.push({ payload, job }));
      queue.start();
      const payload = { user: 'u1', n: 3, flags: [true, null], nested: { text: 'héllo' } };
      const id = await queue.enqueue('greet', payload);
      expect(['pending', 'done']).toContain(await queue.status(id));
      await until(() => runs.length === 1, 'the job ran');
      expect(runs[0]).toEqual({ payload, job: { id, name: 'greet', attempt: 1, maxAttempts: 6 } });
      await sleep(50);
      expect(runs).toHaveLength(1);
      expect(await queue.depth()).toBe(0);
      expect(await queue.failed()).toEqual([]);
    });

    it('retries a failing job with exponential backoff until it succeeds', async () => {
      const queue = backend.open({ attempts: 4, backoffMs: 60 });
      const tries: Array<{ attempt: number; at: number }> = [];
      let succeeded = false;
      queue.register('flaky', async (_payload, job) => {
        tries.push({ attempt: job.attempt, at: performance.now() });
        if (tries.length < 3) throw new Error('receiver unavailable');
        succeeded = true;
      });
      queue.start();
      await queue.enqueue('flaky', {});
      await until(() => succeeded, 'the third attempt succeeded');
      expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
      const [first, second, third] = tries.map((t) => t.at) as [number, number, number];
      // 60 ms, then 120 ms: twice the first wait rules out a fixed backoff.
      expect(second - first).toBeGreaterThanOrEqual(55);
      expect(third - second).toBeGreaterThanOrEqual(115);
      expect(await queue.failed()).toEqual([]);
    });

    it('puts a job that fails every attempt in the failed list, from where it can be retried', async () => {
      const queue = backend.open({ attempts: 3, backoffMs: 10 });
      let down = true;
      let calls = 0;
      let delivered = 0;
      queue.register('deliver', async () => {
        calls += 1;
        if (down) throw new Error('receiver answered 503');
        delivered += 1;
      });
      queue.start();
      expect(await queue.status('no-such-job')).toBe('unknown');
      const id = await queue.enqueue('deliver', { message: 'm1' });
      await until(async () => (await queue.failed()).length === 1, 'the job failed for good');
      expect(await queue.status(id)).toBe('failed');
      const [failed] = await queue.failed();
      expect(failed).toMatchObject({ id, name: 'deliver', payload: { message: 'm1' }, attempts: 3, error: 'receiver answered 503' });
      expect(Math.abs(failed!.failedAt.getTime() - Date.now())).toBeLessThan(5000);
      await sleep(60);
      expect(calls).toBe(3);
      expect(await queue.depth()).toBe(0);

      down = false;
      expect(await queue.retry('no-such-job')).toBe(false);
      expect(await queue.retry(id)).toBe(true);
      await until(() => delivered === 1, 'the retried job ran');
      await until(async () => (await queue.failed()).length === 0, 'the failed list emptied');
      await until(async () => (await queue.status(id)) === 'done', 'the job reads as done');
      expect(await queue.retry(id)).toBe(false);
    });

    it('fails a job at once when its handler says no attempt can help', async () => {
      const queue = backend.open({ attempts: 5, backoffMs: 10 });
      let calls = 0;
      queue.register('unreadable', async () => {
        calls += 1;
        throw new PermanentJobError('payload does not parse');
      });
      queue.start();
      const id = await queue.enqueue('unreadable', { broken: true });
      await until(async () => (await queue.failed()).length === 1, 'the job failed');
      expect((await queue.failed())[0]).toMatchObject({ id, error: 'payload does not parse' });
      await sleep(60);
      expect(calls).toBe(1);
    });

    it('does not run a delayed job before its time', async () => {
      const queue = backend.open();
      let ranAt: number | undefined;
      queue.register('later', async () => {
        ranAt = Date.now();
      });
      queue.start();
      const enqueuedAt = Date.now();
      await queue.enqueue('later', {}, { delayMs: 400 });
      await sleep(200);
      expect(ranAt).toBeUndefined();
      expect(await queue.depth()).toBe(1);
      await until(() => ranAt !== undefined, 'the delayed job ran');
      expect(ranAt! - enqueuedAt).toBeGreaterThanOrEqual(395);
    });

    it('runs a delayed job at once when promoted, and promotes nothing else', async () => {
      const queue = backend.open();
      const runs: string[] = [];
      queue.register('someday', async (_payload, job) => void runs.push(job.id));
      queue.start();
      await queue.enqueue('someday', {}, { jobId: 'in-a-week', delayMs: 7 * 86_400_000 });
      await queue.enqueue('someday', {}, { jobId: 'also-in-a-week', delayMs: 7 * 86_400_000 });
      expect(await queue.promote('no-such-job')).toBe(false);
      expect(await queue.promote('in-a-week')).toBe(true);
      await until(() => runs.length === 1, 'the promoted job ran');
      expect(runs).toEqual(['in-a-week']);
      expect(await queue.promote('in-a-week')).toBe(false);
      expect(await queue.depth()).toBe(1);
    });

    it('runs a job enqueued twice under the same id once, even after it finished', async () => {
      const queue = backend.open();
      const runs: string[] = [];
      queue.register('welcome', async (payload) => void runs.push((payload as { copy: string }).copy));
      queue.start();
      // Ids BullMQ would refuse as they are (an integer, a colon) must work too.
      const ids = await Promise.all([
        queue.enqueue('welcome', { copy: 'a' }, { jobId: 'user:42' }),
        queue.enqueue('welcome', { copy: 'b' }, { jobId: 'user:42' }),
        queue.enqueue('welcome', { copy: 'c' }, { jobId: '42' }),
      ]);
      expect(ids).toEqual(['user:42', 'user:42', '42']);
      await until(() => runs.length === 2, 'both ids ran');
      await queue.enqueue('welcome', { copy: 'd' }, { jobId: 'user:42' });
      await sleep(150);
      expect(runs).toHaveLength(2);
      expect(runs).toContain('c');
    });

    it('does not let a slow job hold back the others', async () => {
      const queue = backend.open({ concurrency: 2 });
      let release = () => {};
      const slowDone = new Promise<void>((resolve) => (release = resolve));
      const quick: number[] = [];
      queue.register('slow', () => slowDone);
      queue.register('quick', async (payload) => {
        await sleep(5);
        quick.push((payload as { n: number }).n);
      });
      queue.start();
      try {
        await queue.enqueue('slow', {});
        await sleep(20);
        for (const n of [1, 2, 3, 4]) await queue.enqueue('quick', { n });
        await until(() => quick.length === 4, 'the quick jobs ran beside the slow one');
      } finally {
        release(); // else closing the queue would wait for it
      }
    });

    it('runs each of 100 jobs enqueued at once exactly once across two workers', async () => {
      const runs = new Map<number, number>();
      const workers = [backend.open({ concurrency: 4 }), backend.open({ concurrency: 4 })];
      for (const worker of workers) {
        worker.register('count', async (payload) => {
          const n = (payload as { n: number }).n;
          runs.set(n, (runs.get(n) ?? 0) + 1);
          await sleep(1);
        });
        worker.start();
      }
      await Promise.all(Array.from({ length: 100 }, (_, n) => workers[n % 2]!.enqueue('count', { n })));
      await until(() => runs.size === 100, 'all 100 jobs ran');
      await sleep(150);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      expect(await workers[0]!.depth()).toBe(0);
    });
  });
}

function sqliteBackend(pollMs = 5): () => Promise<JobQueueBackend> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
    const opened: Array<{ db: SqliteDatabase; queue: SqliteJobQueue }> = [];
    return {
      open(settings = {}) {
        // A connection of its own, as a second process on the same file would have.
        const db = openSqlite(join(dir, 'jobs.sqlite'));
        const queue = new SqliteJobQueue(db, { pollMs, ...settings });
        opened.push({ db, queue });
        return queue;
      },
      async cleanup() {
        for (const { db, queue } of opened) {
          await queue.close();
          db.close();
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

function bullmqBackend(): () => Promise<JobQueueBackend> {
  return async () => {
    const queueName = `test-jobs-${randomUUID()}`;
    const prefix = 'test-user-service';
    const opened: BullmqJobQueue[] = [];
    return {
      open(settings = {}) {
        const queue = new BullmqJobQueue({ url: REDIS_URL, queueName, prefix, ...settings });
        opened.push(queue);
        return queue;
      },
      async cleanup() {
        for (const queue of opened) await queue.close();
        const admin = new Queue(queueName, { connection: { url: REDIS_URL }, prefix });
        await admin.obliterate({ force: true });
        await admin.close();
      },
    };
  };
}

jobQueueConformance('SQLite (embedded)', sqliteBackend());
jobQueueConformance('BullMQ on Redis', bullmqBackend());

describe('SQLite job queue on a manual clock', () => {
  const T0 = new Date(Date.UTC(2026, 10, 27, 12, 0, 0));
  let dir: string;
  let file: string;
  let clock: ManualClock;
  const dbs: SqliteDatabase[] = [];
  const open = (settings: ConstructorParameters<typeof SqliteJobQueue>[1] = {}) => {
    const db = openSqlite(file);
    dbs.push(db);
    return { db, queue: new SqliteJobQueue(db, { clock, ...settings }) };
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobs-clock-'));
    file = join(dir, 'jobs.sqlite');
    clock = new ManualClock(T0);
  });
  afterEach(() => {
    for (const db of dbs.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits out the delay and each doubled backoff to the millisecond, then buries the job', async () => {
    const { queue } = open({ attempts: 3, backoffMs: 1000 });
    const attempts: number[] = [];
    queue.register('flaky', async (_p, job) => {
      attempts.push(job.attempt);
      throw new Error(`attempt ${job.attempt} failed`);
    });
    await queue.enqueue('flaky', {}, { delayMs: 500 });
    clock.advance(499);
    expect(await queue.runDue()).toBe(0);
    clock.advance(1);
    expect(await queue.runDue()).toBe(1);
    clock.advance(999);
    expect(await queue.runDue()).toBe(0);
    clock.advance(1);
    expect(await queue.runDue()).toBe(1);
    clock.advance(1999);
    expect(await queue.runDue()).toBe(0);
    expect(await queue.depth()).toBe(1);
    clock.advance(1);
    expect(await queue.runDue()).toBe(1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await queue.depth()).toBe(0);
    expect(await queue.failed()).toMatchObject([{ attempts: 3, error: 'attempt 3 failed', failedAt: clock.now() }]);
  });

  it('keeps jobs across a restart', async () => {
    const first = open();
    await first.queue.enqueue('remember', { n: 1 }, { delayMs: 1000 });
    first.db.close();
    const second = open();
    const seen: unknown[] = [];
    second.queue.register('remember', async (payload) => void seen.push(payload));
    expect(await second.queue.runDue()).toBe(0);
    clock.advance(1000);
    expect(await second.queue.runDue()).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('runs again, after the lease, a job whose worker died mid-run', async () => {
    const crashed = open({ leaseMs: 30_000 });
    let started = false;
    crashed.queue.register('import', async () => {
      started = true;
      await new Promise(() => {}); // the process dies before this run ends
    });
    await crashed.queue.enqueue('import', { file: 'groups.csv' }, { jobId: 'import-1' });
    void crashed.queue.runDue().catch(() => {});
    await until(() => started, 'the first run started');
    crashed.db.close();

    const restarted = open({ leaseMs: 30_000 });
    const runs: JobInfo[] = [];
    restarted.queue.register('import', async (_p, job) => void runs.push(job));
    clock.advance(29_999);
    expect(await restarted.queue.runDue()).toBe(0);
    expect(await restarted.queue.depth()).toBe(0);
    clock.advance(1);
    expect(await restarted.queue.depth()).toBe(1);
    expect(await restarted.queue.runDue()).toBe(1);
    expect(runs).toEqual([{ id: 'import-1', name: 'import', attempt: 2, maxAttempts: 6 }]);
    clock.advance(60_000);
    expect(await restarted.queue.runDue()).toBe(0);
  });

  it('buries a job whose worker died during its last attempt', async () => {
    const crashed = open({ leaseMs: 10_000 });
    let started = false;
    crashed.queue.register('once', async () => {
      started = true;
      await new Promise(() => {});
    });
    const id = await crashed.queue.enqueue('once', {}, { attempts: 1 });
    void crashed.queue.runDue().catch(() => {});
    await until(() => started, 'the run started');
    crashed.db.close();

    const { queue } = open({ leaseMs: 10_000 });
    queue.register('once', async () => {
      throw new Error('must not run a fourth time');
    });
    clock.advance(10_000);
    expect(await queue.runDue()).toBe(0);
    expect(await queue.failed()).toMatchObject([{ id, attempts: 1, error: expect.stringMatching(/lease expired/) as unknown }]);
  });

  it('forgets a finished job id only after keepCompletedMs', async () => {
    const { queue } = open({ keepCompletedMs: 60 * 60_000 });
    let runs = 0;
    queue.register('daily', async () => void (runs += 1));
    await queue.enqueue('daily', {}, { jobId: 'digest-2026-11-27' });
    expect(await queue.runDue()).toBe(1);
    clock.advance(30 * 60_000);
    await queue.enqueue('daily', {}, { jobId: 'digest-2026-11-27' });
    expect(await queue.runDue()).toBe(0);
    clock.advance(31 * 60_000);
    expect(await queue.runDue()).toBe(0); // prunes the finished row
    await queue.enqueue('daily', {}, { jobId: 'digest-2026-11-27' });
    expect(await queue.runDue()).toBe(1);
    expect(runs).toBe(2);
  });

  it('refuses options no adapter could honour', async () => {
    const { queue } = open();
    await expect(queue.enqueue('x', {}, { jobId: 'has space' })).rejects.toThrow(/job id/);
    await expect(queue.enqueue('x', {}, { attempts: 0 })).rejects.toThrow(/attempts/);
    await expect(queue.enqueue('x', {}, { delayMs: -1 })).rejects.toThrow(/delayMs/);
  });
});
