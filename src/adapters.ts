import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { DataKeyStore } from './events/dataKeys.js';
import type { EventStore } from './events/eventStore.js';
import { ProjectionLease, RedisLease } from './projections/lease.js';
import type { ReadStore } from './projections/readStore.js';

/** A holder that dies is replaced after this long; renewing at a third of it survives two missed renewals. */
const LEASE_TTL_MS = 10_000;
const LEASE_RENEW_MS = 3_000;

export interface RemoteAdapters {
  eventStore?: EventStore;
  readStore?: ReadStore;
  /** Per-person data keys (crypto-shredding): beside the read models, never in the event log. */
  dataKeys?: DataKeyStore;
  /** Set when instances share a read store: only the holder applies events to it. */
  lease?: ProjectionLease;
  /** Shared by the Redis-backed adapters (sessions, lease) when REDIS_URL is set. */
  redis?: Redis;
  close(): Promise<void>;
}

/** The production adapters, chosen by configuration; none when the embedded default runs alone. */
export async function openRemoteAdapters(config: Config, logger: Logger): Promise<RemoteAdapters> {
  const closers: Array<() => Promise<void>> = [];
  const opened: RemoteAdapters = {
    async close() {
      // Last opened, first closed: the lease is released before its Redis connection goes.
      for (const close of [...closers].reverse()) await close();
    },
  };
  try {
    // Loaded only when configured: the embedded default should not pay for gRPC or the Mongo driver.
    if (config.EVENTSTORE_URL !== undefined) {
      const { EventStoreDbEventStore } = await import('./events/eventStoreDbEventStore.js');
      const eventStore = EventStoreDbEventStore.connect(config.EVENTSTORE_URL);
      closers.push(() => eventStore.close());
      opened.eventStore = eventStore;
    }
    if (config.MONGODB_URL !== undefined) {
      const { MongoReadStore } = await import('./projections/mongo/mongoReadStore.js');
      const readStore = await MongoReadStore.connect(config.MONGODB_URL, config.MONGODB_DATABASE);
      closers.push(() => readStore.close());
      await readStore.init();
      opened.readStore = readStore;
      const { MongoDataKeyStore } = await import('./events/mongoDataKeyStore.js');
      opened.dataKeys = new MongoDataKeyStore(readStore.db);
    }
    if (config.REDIS_URL !== undefined) {
      // Fail fast when Redis is away: callers see an error rather than a hung request.
      const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
      redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
      closers.push(async () => {
        await redis.quit().catch(() => redis.disconnect());
      });
      opened.redis = redis;
    }
    if (opened.redis !== undefined && opened.readStore !== undefined) {
      const redis = opened.redis;
      const key = `user-service:${config.MONGODB_DATABASE}:projection-lease`;
      const lease = new ProjectionLease(new RedisLease(redis, key, LEASE_TTL_MS), LEASE_RENEW_MS, logger);
      closers.push(() => lease.stop());
      opened.lease = lease;
    } else if (opened.readStore !== undefined) {
      logger.warn('MONGODB_URL without REDIS_URL: every instance applies the projections; run one instance or set REDIS_URL');
    }
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}
