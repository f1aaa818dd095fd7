import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../shared/clock.js';
import type { SqliteDatabase } from '../shared/sqlite.js';
import {
  DEFAULT_JOB_SETTINGS,
  PermanentJobError,
  backoffDelayMs,
  errorMessage,
  planJob,
  type EnqueueOptions,
  type FailedJob,
  type JobHandler,
  type JobPayload,
  type JobQueue,
  type JobStatus,
  type JobQueueSettings,
} from './jobQueue.js';

export interface SqliteJobQueueOptions extends Partial<JobQueueSettings> {
  clock?: Clock;
  logger?: Logger;
  /** How often an idle worker looks for due jobs (an enqueue due now wakes it sooner). */
  pollMs?: number;
}

interface ClaimedRow {
  id: string;
  name: string;
  payload: string;
  attempts_made: number;
  max_attempts: number;
  backoff_ms: number;
}

interface FailedRow {
  id: string;
  name: string;
  payload: string;
  attempts_made: number;
  last_error: string | null;
  finished_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  run_at INTEGER NOT NULL,
  attempts_made INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_ms INTEGER NOT NULL,
  lease_token TEXT,
  lease_until INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (state, finished_at);`;

const PRUNE_EVERY_MS = 60_000;

/**
 * Jobs in the service's SQLite file, run by an in-process worker. A run is claimed with a lease
 * (token and expiry) in the same statement that counts the attempt, so two workers on one file
 * never run a job at once and a run whose process died is taken up again once its lease expires.
 * Every outcome is written only by the run that still holds the lease.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly settings: JobQueueSettings;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly pollMs: number;
  private readonly sql;
  private readonly claim;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private prunedAt = 0;

  constructor(db: SqliteDatabase, options: SqliteJobQueueOptions = {}) {
    const { clock, logger, pollMs, ...settings } = options;
    this.settings = { ...DEFAULT_JOB_SETTINGS, ...settings };
    this.clock = clock ?? systemClock;
    this.logger = logger;
    this.pollMs = pollMs ?? 200;
    db.exec(SCHEMA);
    this.sql = {
      insert: db.prepare(`INSERT INTO jobs (id, name, payload, state, run_at, max_attempts, backoff_ms, created_at)
        VALUES (@id, @name, @payload, 'pending', @run_at, @max_attempts, @backoff_ms, @now) ON CONFLICT (id) DO NOTHING`),
      // A lease that ran out on the last attempt: that run's process died, and there is no attempt left.
      expire: db.prepare(`UPDATE jobs SET state = 'failed', finished_at = @now, lease_token = NULL, lease_until = NULL,
        last_error = 'the worker stopped during the last attempt (lease expired)'
        WHERE state = 'pending' AND lease_until <= @now AND attempts_made >= max_attempts`),
      claim: db.prepare<{ now: number; token: string; until: number; limit: number }, ClaimedRow>(`UPDATE jobs
        SET lease_token = @token, lease_until = @until, attempts_made = attempts_made + 1
        WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                     ORDER BY run_at, rowid LIMIT @limit)
        RETURNING id, name, payload, attempts_made, max_attempts, backoff_ms`),
      renew: db.prepare('UPDATE jobs SET lease_until = @until WHERE id = @id AND lease_token = @token'),
      complete: db.prepare(`UPDATE jobs SET state = 'done', finished_at = @now, lease_token = NULL, lease_until = NULL, last_error = NULL
        WHERE id = @id AND lease_token = @token`),
      reschedule: db.prepare(`UPDATE jobs SET run_at = @run_at, lease_token = NULL, lease_until = NULL, last_error = @error
        WHERE id = @id AND lease_token = @token`),
      bury: db.prepare(`UPDATE jobs SET state = 'failed', finished_at = @now, lease_token = NULL, lease_until = NULL, last_error = @error
        WHERE id = @id AND lease_token = @token`),
      depth: db.prepare<{ now: number }, { n: number }>(
        "SELECT COUNT(*) AS n FROM jobs WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= @now)",
      ),
      failed: db.prepare<[number], FailedRow>(
        "SELECT id, name, payload, attempts_made, last_error, finished_at FROM jobs WHERE state = 'failed' ORDER BY finished_at DESC, rowid DESC LIMIT ?",
      ),
      retry: db.prepare(`UPDATE jobs SET state = 'pending', run_at = @now, attempts_made = 0, finished_at = NULL, last_error = NULL
        WHERE id = @id AND state = 'failed'`),
      promote: db.prepare(`UPDATE jobs SET run_at = @now
        WHERE id = @id AND state = 'pending' AND run_at > @now AND (lease_until IS NULL OR lease_until <= @now)`),
      prune: db.prepare("DELETE FROM jobs WHERE state = 'done' AND finished_at < @before"),
      status: db.prepare<[string], { state: 'pending' | 'done' | 'failed' }>('SELECT state FROM jobs WHERE id = ?'),
    };
    // IMMEDIATE takes the write lock first, so another process's worker waits rather than claiming the same rows.
    this.claim = db.transaction((now: number, token: string, limit: number) => {
      this.sql.expire.run({ now });
      return this.sql.claim.all({ now, token, until: now + this.settings.leaseMs, limit });
    });
  }

  register(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  async enqueue(name: string, payload: JobPayload, options: EnqueueOptions = {}): Promise<string> {
    const job = planJob(this.settings, options);
    const id = job.jobId ?? randomUUID();
    const now = this.clock.now().getTime();
    this.sql.insert.run({
      id,
      name,
      payload: JSON.stringify(payload),
      run_at: now + job.delayMs,
      max_attempts: job.attempts,
      backoff_ms: job.backoffMs,
      now,
    });
    if (job.delayMs === 0) this.wake?.();
    return id;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.work();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  async depth(): Promise<number> {
    return this.sql.depth.get({ now: this.clock.now().getTime() })?.n ?? 0;
  }

  async failed(limit = 100): Promise<FailedJob[]> {
    return this.sql.failed.all(limit).map((row) => ({
      id: row.id,
      name: row.name,
      payload: JSON.parse(row.payload) as unknown,
      attempts: row.attempts_made,
      error: row.last_error ?? '',
      failedAt: new Date(row.finished_at),
    }));
  }

  async retry(id: string): Promise<boolean> {
    const retried = this.sql.retry.run({ id, now: this.clock.now().getTime() }).changes === 1;
    if (retried) this.wake?.();
    return retried;
  }

  async status(id: string): Promise<JobStatus> {
    return this.sql.status.get(id)?.state ?? 'unknown';
  }

  async promote(id: string): Promise<boolean> {
    const promoted = this.sql.promote.run({ id, now: this.clock.now().getTime() }).changes === 1;
    if (promoted) this.wake?.();
    return promoted;
  }

  /**
   * Claims the jobs due by the clock (at most `limit`) and runs them; resolves with how many ran.
   * The worker calls it in a loop; tests call it to run what is due deterministically.
   */
  async runDue(limit = this.settings.concurrency): Promise<number> {
    const runs = this.claimDue(limit);
    await Promise.all(runs);
    return runs.length;
  }

  private claimDue(limit: number): Array<Promise<void>> {
    const now = this.clock.now().getTime();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.sql.prune.run({ before: now - this.settings.keepCompletedMs });
      this.prunedAt = now;
    }
    const token = randomUUID();
    return this.claim.immediate(now, token, limit).map((row) => this.run(row, token));
  }

  /** Keeps up to `concurrency` runs going: a free slot is filled as soon as a run ends, not when a batch does. */
  private async work(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (this.running) {
      const free = this.settings.concurrency - inFlight.size;
      let claimed = 0;
      try {
        for (const run of free > 0 ? this.claimDue(free) : []) {
          const settled: Promise<void> = run
            .catch((error: unknown) => this.logger?.error({ err: errorMessage(error) }, 'job worker could not record a run'))
            .finally(() => {
              inFlight.delete(settled);
              this.wake?.();
            });
          inFlight.add(settled);
          claimed += 1;
        }
      } catch (error) {
        this.logger?.error({ err: errorMessage(error) }, 'job worker could not poll the jobs table');
      }
      if ((claimed === 0 || claimed === free) && this.running) await this.idle();
    }
    await Promise.all(inFlight);
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake = done;
    });
  }

  private async run(row: ClaimedRow, token: string): Promise<void> {
    const job = { id: row.id, name: row.name, attempt: row.attempts_made, maxAttempts: row.max_attempts };
    const log = { job_id: row.id, job: row.name, attempt: row.attempts_made };
    const renewal = setInterval(() => {
      try {
        this.sql.renew.run({ id: row.id, token, until: this.clock.now().getTime() + this.settings.leaseMs });
      } catch (error) {
        clearInterval(renewal);
        this.logger?.warn({ ...log, err: errorMessage(error) }, 'could not renew a job lease');
      }
    }, this.settings.leaseMs / 3);
    renewal.unref();
    try {
      const handler = this.handlers.get(row.name);
      if (handler === undefined) throw new Error(`no handler is registered for job "${row.name}"`);
      await handler(JSON.parse(row.payload) as unknown, job);
      const recorded = this.sql.complete.run({ id: row.id, token, now: this.clock.now().getTime() }).changes === 1;
      if (!recorded) this.logger?.warn(log, 'job finished after its lease had expired; it may run again');
    } catch (error) {
      const now = this.clock.now().getTime();
      const message = errorMessage(error);
      if (error instanceof PermanentJobError || row.attempts_made >= row.max_attempts) {
        this.sql.bury.run({ id: row.id, token, now, error: message });
        this.logger?.error({ ...log, err: message }, 'job failed for good; it is in the failed list');
      } else {
        const delay = backoffDelayMs(row.backoff_ms, row.attempts_made);
        this.sql.reschedule.run({ id: row.id, token, run_at: now + delay, error: message });
        this.logger?.warn({ ...log, err: message, retry_in_ms: delay }, 'job failed; it will be retried');
      }
    } finally {
      clearInterval(renewal);
    }
  }
}
