export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JobPayload = { [key: string]: Json };

export interface JobInfo {
  /** The idempotency key given to `enqueue`, or one the queue made up. */
  id: string;
  name: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
}

/**
 * Delivery is at least once: a handler may run again for a job it already did (a worker that
 * died after the work but before recording it, a lease or lock that expired mid-run). Handlers
 * must therefore be idempotent — key side effects by `job.id` or by an id in the payload. The
 * payload arrives as stored JSON: parse it, do not trust its type. Throwing fails the attempt;
 * throwing a PermanentJobError fails the job at once, without the remaining attempts.
 */
export type JobHandler = (payload: unknown, job: JobInfo) => Promise<void>;

export interface RetryPolicy {
  /** Runs in all, the first included; then the job goes to the failed list. */
  attempts: number;
  /** Wait before the first retry; each later one waits twice the one before. */
  backoffMs: number;
}

export interface EnqueueOptions extends Partial<RetryPolicy> {
  /** Idempotency key: a job enqueued again under the id of a kept one (waiting, done or failed) is ignored. */
  jobId?: string;
  delayMs?: number;
}

export interface FailedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  error: string;
  failedAt: Date;
}

/** What every adapter takes; each adds what is its own (clock and lease, Redis URL). */
export interface JobQueueSettings extends RetryPolicy {
  /** Jobs one worker runs at the same time. */
  concurrency: number;
  /** How long a finished job (and so its id, for dedupe) is kept. */
  keepCompletedMs: number;
  /**
   * A run whose worker stops renewing its claim this long is presumed dead and runs again: the
   * SQLite table's lease, BullMQ's lock (JOB_LEASE_MS).
   */
  leaseMs: number;
}

/** Six runs, 2 s · 4 s · 8 s · 16 s · 32 s apart: about a minute from the first try to the failed list. */
export const DEFAULT_JOB_SETTINGS: JobQueueSettings = {
  attempts: 6,
  backoffMs: 2000,
  concurrency: 4,
  keepCompletedMs: 24 * 60 * 60 * 1000,
  leaseMs: 60_000,
};

/**
 * Background work (notification deliveries; later imports, exports, delayed deletes): durable,
 * delayed, retried with exponential backoff, dead-lettered after the last attempt.
 */
export interface JobQueue {
  /** The handler for a job name; jobs of a name with no handler fail (and are retried). */
  register(name: string, handler: JobHandler): void;
  /** Returns the job's id: `options.jobId` when given. */
  enqueue(name: string, payload: JobPayload, options?: EnqueueOptions): Promise<string>;
  /** Starts this process's worker; enqueueing works without one. */
  start(): void;
  /** Stops taking jobs and waits for the running ones. */
  stop(): Promise<void>;
  /** Stops the worker and releases connections. */
  close(): Promise<void>;
  /** Jobs waiting to run: due, delayed, or waiting for a retry; not running, done or failed. */
  depth(): Promise<number>;
  /** Dead-lettered jobs, the most recent failure first. */
  failed(limit?: number): Promise<FailedJob[]>;
  /** Puts a failed job back, due now with a fresh set of attempts; false when no failed job has that id. */
  retry(id: string): Promise<boolean>;
  /**
   * Where a job is: `pending` (waiting, delayed, running or between retries), `done`, `failed`
   * (dead-lettered), or `unknown` (never enqueued, or done and since pruned after keepCompletedMs).
   */
  status(id: string): Promise<JobStatus>;
  /**
   * Makes a job that waits for its time (a delay or a retry's backoff) due now, keeping its
   * attempts; false when no waiting job has that id. For operators ("run it now") and for tests
   * of long delays on a queue whose clock is not the service's (Redis keeps its own time).
   */
  promote(id: string): Promise<boolean>;
}

export type JobStatus = 'pending' | 'done' | 'failed' | 'unknown';

/** Thrown by a handler when another attempt cannot help (a payload it cannot read). */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export function backoffDelayMs(backoffMs: number, failedAttempts: number): number {
  return backoffMs * 2 ** Math.max(0, failedAttempts - 1);
}

/**
 * For a delayed job that carries its own due time: a run ahead of it (an operator promoting the
 * job, a queue whose clock is ahead of the service's, as Redis keeps its own) books the job again
 * for the rest of the wait, under `baseId` and this run's attempt, and answers true: the caller
 * does nothing more this time.
 */
export async function rebookIfEarly(
  jobs: JobQueue,
  job: JobInfo,
  booking: { payload: JobPayload; baseId: string; dueAt: string; now: Date },
): Promise<boolean> {
  const waitMs = new Date(booking.dueAt).getTime() - booking.now.getTime();
  if (waitMs <= 0) return false;
  await jobs.enqueue(job.name, booking.payload, { jobId: `${booking.baseId}:${job.attempt}:${Date.now()}`, delayMs: waitMs });
  return true;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface PlannedJob extends RetryPolicy {
  jobId: string | undefined;
  delayMs: number;
}

/** Checks an enqueue's options the same way for every adapter, and fills in the queue's defaults. */
export function planJob(defaults: RetryPolicy, options: EnqueueOptions): PlannedJob {
  const { jobId, delayMs = 0, attempts = defaults.attempts, backoffMs = defaults.backoffMs } = options;
  // Ids travel as Redis key parts and SQL text: bounded, printable, non-empty.
  if (jobId !== undefined && !/^[\x21-\x7e]{1,200}$/.test(jobId)) {
    throw new RangeError('a job id must be 1 to 200 printable ASCII characters without spaces');
  }
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('attempts must be a whole number of at least 1');
  if (!Number.isFinite(backoffMs) || backoffMs < 0) throw new RangeError('backoffMs must not be negative');
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('delayMs must not be negative');
  return { jobId, delayMs, attempts, backoffMs };
}
