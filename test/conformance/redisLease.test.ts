import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ProjectionLease, RedisLease } from '../../src/projections/lease.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:lease:${randomUUID()}:`;
const TTL_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Against a real Redis: the lease is only as good as the server's SET NX and scripts. */
describe('projection lease in Redis', () => {
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  const admin = connect();
  let n = 0;
  const freshKey = () => `${PREFIX}${(n += 1)}`;

  afterEach(async () => {
    const keys = await admin.keys(`${PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
  });
  afterAll(async () => {
    for (const client of clients) if (client.status !== 'end') await client.quit();
  });

  it('is acquired by one contender only', async () => {
    const key = freshKey();
    const a = new RedisLease(connect(), key, TTL_MS, 'a');
    const b = new RedisLease(connect(), key, TTL_MS, 'b');
    const results = await Promise.all([a.acquire(), b.acquire()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const [winner, loser] = results[0] ? [a, b] : [b, a];
    expect(winner.held).toBe(true);
    expect(loser.held).toBe(false);
    expect(await admin.get(key)).toBe(winner.holder);
    expect(await winner.acquire()).toBe(true); // acquiring again while holding renews
  });

  it('passes to another holder once the holder stops renewing and the TTL runs out', async () => {
    const key = freshKey();
    const a = new RedisLease(connect(), key, TTL_MS, 'a');
    const b = new RedisLease(connect(), key, TTL_MS, 'b');
    expect(await a.acquire()).toBe(true);
    await sleep(TTL_MS / 2);
    expect(await a.renew()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await sleep(TTL_MS + 100);
    expect(a.held).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(await a.renew()).toBe(false);
    expect(await admin.get(key)).toBe('b');
  });

  it('ignores a release by a non-holder; the holder’s release frees it', async () => {
    const key = freshKey();
    const a = new RedisLease(connect(), key, 10_000, 'a');
    const b = new RedisLease(connect(), key, 10_000, 'b');
    expect(await a.acquire()).toBe(true);
    await b.release();
    expect(await admin.get(key)).toBe('a');
    expect(await a.renew()).toBe(true);
    await a.release();
    expect(a.held).toBe(false);
    expect(await admin.exists(key)).toBe(0);
    expect(await b.acquire()).toBe(true);
  });

  it('keeps one instance holding, and another takes over when the holder dies', async () => {
    const key = freshKey();
    const redisA = connect();
    const a = new ProjectionLease(new RedisLease(redisA, key, TTL_MS, 'a'), TTL_MS / 4);
    const b = new ProjectionLease(new RedisLease(connect(), key, TTL_MS, 'b'), TTL_MS / 4);
    await a.start();
    await b.start();
    await sleep(TTL_MS * 2); // several renewals: the holder keeps it beyond one TTL
    expect([a.holding, b.holding]).toEqual([true, false]);

    redisA.disconnect(); // the holder's process is gone: no renewal, no release
    await sleep(TTL_MS * 2);
    expect(a.holding).toBe(false);
    expect(b.holding).toBe(true);
    expect(await admin.get(key)).toBe('b');

    await a.stop();
    await b.stop();
    expect(await admin.exists(key)).toBe(0); // a clean stop hands the lease back at once
  });
});
