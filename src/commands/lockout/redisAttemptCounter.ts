import type { Redis } from 'ioredis';
import { FAILURE_MEMORY_MS, type AttemptCounter, type FailureCount, type LockoutPolicy } from './attemptCounter.js';

/** attemptCounter.countFailure in Lua. KEYS: the account. ARGV: now, max_attempts, lock_ms, memory_ms. */
const RECORD = `
local now = tonumber(ARGV[1])
local max_attempts = tonumber(ARGV[2])
local lock_ms = tonumber(ARGV[3])
local memory_ms = tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'count', 'last_failure_at', 'locked_until')
local count, last, locked = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])
local fresh = count == nil
  or (locked > 0 and locked <= now)
  or (locked <= now and now - last > memory_ms)
if fresh then count, last, locked = 0, now, 0 end
count = count + 1
local locked_now = 0
if locked <= now then
  locked = 0
  if count >= max_attempts then locked = now + lock_ms; locked_now = 1 end
end
redis.call('HSET', KEYS[1], 'count', count, 'last_failure_at', now, 'locked_until', locked)
redis.call('PEXPIRE', KEYS[1], math.max(memory_ms, lock_ms) * 2)
return {count, locked, locked_now}
`;

/** KEYS: the account. ARGV: now. The lock when one holds, else 0 after clearing the count (atomic). */
const SETTLE_SUCCESS = `
local locked = tonumber(redis.call('HGET', KEYS[1], 'locked_until') or '0')
if locked > tonumber(ARGV[1]) then return locked end
redis.call('DEL', KEYS[1])
return 0
`;

export class RedisAttemptCounter implements AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'us:attempts:',
  ) {}

  async lockedUntil(key: string, now: number): Promise<number | null> {
    const locked = Number((await this.redis.hget(this.prefix + key, 'locked_until')) ?? 0);
    return locked > now ? locked : null;
  }

  async recordFailure(key: string, now: number, policy: LockoutPolicy): Promise<FailureCount> {
    const [attempt, locked, lockedNow] = (await this.redis.eval(
      RECORD,
      1,
      this.prefix + key,
      now,
      policy.max_attempts,
      policy.lock_ms,
      FAILURE_MEMORY_MS,
    )) as [number, number, number];
    return { attempt, locked_until: locked > now ? locked : null, locked_now: lockedNow === 1 };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async settleSuccess(key: string, now: number): Promise<number | null> {
    const locked = Number(await this.redis.eval(SETTLE_SUCCESS, 1, this.prefix + key, now));
    return locked > now ? locked : null;
  }

  async close(): Promise<void> {}
}
