import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import {
  DEFAULT_JOB_SETTINGS,
  PermanentJobError,
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

export interface BullmqJobQueueOptions extends Partial<JobQueueSettings> {
  url: string;
  /** BullMQ forbids ':' in it. */
  queueName?: string;
  /** Redis key prefix, so deployments sharing a Redis keep their queues apart. */
  prefix?: string;
  logger?: Logger;
}

/** Custom BullMQ ids may be neither integers nor contain ':'; the prefix and the encoding rule out both. */
const toBullId = (id: string) => `j${encodeURIComponent(id)}`;
const fromBullId = (id: string | undefined) => (id?.startsWith('j') === true ? decodeURIComponent(id.slice(1)) : String(id));

/**
 * Jobs in Redis through BullMQ, a worker in every instance. The queue and the worker open their
 * own connections: the worker's blocking reads need `maxRetriesPerRequest: null`, while an
 * enqueue on a request's path should fail fast when Redis is away.
 */
export class BullmqJobQueue implements JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly settings: JobQueueSettings;
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly options: BullmqJobQueueOptions) {
    const { url, queueName = 'jobs', prefix, logger, ...settings } = options;
    this.settings = { ...DEFAULT_JOB_SETTINGS, ...settings };
    this.queue = new Queue(queueName, {
      connection: { url, maxRetriesPerRequest: 1, connectTimeout: 2000 },
      ...(prefix === undefined ? {} : { prefix }),
      defaultJobOptions: {
        // Kept for keepCompletedMs so that a repeated jobId is still recognised; failed jobs stay until retried.
        removeOnComplete: { age: Math.ceil(this.settings.keepCompletedMs / 1000) },
        removeOnFail: false,
      },
    });
    this.queue.on('error', (error: Error) => logger?.warn({ err: error.message }, 'job queue connection error'));
  }

  register(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  async enqueue(name: string, payload: JobPayload, options: EnqueueOptions = {}): Promise<string> {
    const job = planJob(this.settings, options);
    const id = job.jobId ?? randomUUID();
    await this.queue.add(name, payload, {
      jobId: toBullId(id),
      delay: job.delayMs,
      attempts: job.attempts,
      backoff: { type: 'exponential', delay: job.backoffMs },
    });
    return id;
  }

  start(): void {
    if (this.worker !== undefined) return;
    const { url, prefix, logger } = this.options;
    const worker = new Worker(this.queue.name, (job: Job) => this.process(job), {
      connection: { url, maxRetriesPerRequest: null },
      ...(prefix === undefined ? {} : { prefix }),
      concurrency: this.settings.concurrency,
      lockDuration: this.settings.leaseMs,
      // A run lost with its worker (a killed deploy) is given back twice; more often, the job itself is the likely cause.
      maxStalledCount: 2,
    });
    worker.on('error', (error: Error) => logger?.warn({ err: error.message }, 'job worker error'));
    worker.on('failed', (job: Job | undefined, error: Error) => {
      const log = { job_id: fromBullId(job?.id), job: job?.name, attempt: job?.attemptsMade, err: error.message };
      if (job?.finishedOn) logger?.error(log, 'job failed for good; it is in the failed list');
      else logger?.warn(log, 'job failed; it will be retried');
    });
    this.worker = worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.close();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.queue.close();
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async failed(limit = 100): Promise<FailedJob[]> {
    const jobs = await this.queue.getFailed(0, limit - 1);
    return jobs.map((job) => ({
      id: fromBullId(job.id),
      name: job.name,
      payload: job.data as unknown,
      attempts: job.attemptsMade,
      error: job.failedReason,
      failedAt: new Date(job.finishedOn ?? job.timestamp),
    }));
  }

  async retry(id: string): Promise<boolean> {
    const job = await this.queue.getJob(toBullId(id));
    if (job === undefined || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async status(id: string): Promise<JobStatus> {
    const state = await this.queue.getJobState(toBullId(id));
    if (state === 'completed') return 'done';
    if (state === 'failed') return 'failed';
    return state === 'unknown' ? 'unknown' : 'pending';
  }

  async promote(id: string): Promise<boolean> {
    const job = await this.queue.getJob(toBullId(id));
    if (job === undefined || !(await job.isDelayed())) return false;
    await job.promote();
    return true;
  }

  private async process(job: Job): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (handler === undefined) throw new Error(`no handler is registered for job "${job.name}"`);
    try {
      await handler(job.data as unknown, { id: fromBullId(job.id), name: job.name, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 });
    } catch (error) {
      if (error instanceof PermanentJobError) throw new UnrecoverableError(errorMessage(error));
      throw error;
    }
  }
}
