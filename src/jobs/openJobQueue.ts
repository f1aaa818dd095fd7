import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../shared/clock.js';
import type { SqliteDatabase } from '../shared/sqlite.js';
import type { JobQueue, JobQueueSettings } from './jobQueue.js';
import { SqliteJobQueue } from './sqliteJobQueue.js';

/** What tests shorten: polling of the embedded worker, and the retry policy. */
export interface JobQueueTuning extends Partial<JobQueueSettings> {
  pollMs?: number;
}

/** BullMQ when Redis is configured (a worker in every instance), else the table in the SQLite file. */
export async function openJobQueue(
  config: Config,
  deps: { db: SqliteDatabase; clock: Clock; logger: Logger; tuning?: JobQueueTuning },
): Promise<JobQueue> {
  const { pollMs, ...tuned } = deps.tuning ?? {};
  const settings = { leaseMs: config.JOB_LEASE_MS, ...tuned };
  if (config.REDIS_URL !== undefined) {
    // Loaded only when configured, like the other production adapters.
    const { BullmqJobQueue } = await import('./bullmqJobQueue.js');
    return new BullmqJobQueue({
      url: config.REDIS_URL,
      prefix: `user-service:${config.MONGODB_DATABASE}`,
      logger: deps.logger,
      ...settings,
    });
  }
  return new SqliteJobQueue(deps.db, {
    clock: deps.clock,
    logger: deps.logger,
    ...(pollMs === undefined ? {} : { pollMs }),
    ...settings,
  });
}
