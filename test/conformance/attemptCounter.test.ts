import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptCounter } from '../../src/commands/lockout/attemptCounter.js';
import { RedisAttemptCounter } from '../../src/commands/lockout/redisAttemptCounter.js';
import { SqliteAttemptCounter } from '../../src/commands/lockout/sqliteAttemptCounter.js';
import { openSqlite } from '../../src/shared/sqlite.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const POLICY = { max_attempts: 5, lock_ms: 15 * 60_000 };

/** One behaviour suite for every failed-sign-in counter adapter. */
function attemptCounterConformance(name: string, open: () => Promise<{ counter: AttemptCounter; cleanup(): Promise<void> }>) {
  describe(`attempt counter conformance: ${name}`, () => {
    let counter: AttemptCounter;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ counter, cleanup } = await open());
    });
    afterEach(async () => cleanup());

    it('counts 50 concurrent failures as 50 and locks exactly once, at the fifth', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => counter.recordFailure('app:u1', T0, POLICY)));
      expect(results.map((r) => r.attempt).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(results.filter((r) => r.locked_now)).toHaveLength(1);
      expect(results.find((r) => r.locked_now)?.attempt).toBe(5);
      expect(await counter.lockedUntil('app:u1', T0 + 1)).toBe(T0 + POLICY.lock_ms);
      expect(await counter.lockedUntil('app:u2', T0 + 1)).toBeNull();
    });

    it('unlocks when the lock expires, and a success clears the count', async () => {
      for (let i = 0; i < 5; i += 1) await counter.recordFailure('app:u1', T0, POLICY);
      expect(await counter.lockedUntil('app:u1', T0 + POLICY.lock_ms)).toBeNull();
      expect((await counter.recordFailure('app:u1', T0 + POLICY.lock_ms, POLICY)).attempt).toBe(1);
      await counter.reset('app:u1');
      expect((await counter.recordFailure('app:u1', T0 + POLICY.lock_ms, POLICY)).attempt).toBe(1);
    });

    it('settles a success: a holding lock is reported and kept, otherwise the count is cleared', async () => {
      expect(await counter.settleSuccess('app:none', T0)).toBeNull();
      for (let i = 0; i < 5; i += 1) await counter.recordFailure('app:u1', T0, POLICY);
      expect(await counter.settleSuccess('app:u1', T0 + 1)).toBe(T0 + POLICY.lock_ms);
      expect(await counter.lockedUntil('app:u1', T0 + 1)).toBe(T0 + POLICY.lock_ms);
      expect((await counter.recordFailure('app:u1', T0 + 2, POLICY)).attempt).toBe(6);
      await counter.recordFailure('app:u2', T0, POLICY);
      await counter.recordFailure('app:u2', T0, POLICY);
      expect(await counter.settleSuccess('app:u2', T0 + 1)).toBeNull();
      expect((await counter.recordFailure('app:u2', T0 + 2, POLICY)).attempt).toBe(1);
    });
  });
}

attemptCounterConformance('SQLite (embedded)', async () => {
  const db = openSqlite(':memory:');
  return { counter: new SqliteAttemptCounter(db), cleanup: async () => void db.close() };
});

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(async () => {
  redis.disconnect();
});
attemptCounterConformance('Redis', async () => {
  const prefix = `test:attempts:${randomUUID()}:`;
  return {
    counter: new RedisAttemptCounter(redis, prefix),
    cleanup: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    },
  };
});
