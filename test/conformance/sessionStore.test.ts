import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../src/commands/session/redisSessionStore.js';
import type { SessionStore } from '../../src/commands/session/sessionStore.js';
import { SqliteSessionStore } from '../../src/commands/session/sqliteSessionStore.js';
import { SESSION_T0 as T0, sessionRecord as record } from '../support/sessionRecord.js';
import { openSqlite } from '../../src/shared/sqlite.js';


/** One behaviour suite for every session store adapter. */
function sessionStoreConformance(name: string, open: () => Promise<{ store: SessionStore; cleanup(): Promise<void> }>) {
  describe(`session store conformance: ${name}`, () => {
    let store: SessionStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => cleanup());

    it('finds a live session by its token hash, never an expired one', async () => {
      const s = record();
      await store.save(s);
      expect(await store.findByTokenHash(s.token_hash, T0 + 1000)).toEqual(s);
      expect(await store.findByTokenHash(s.token_hash, T0 + 60_000)).toBeNull();
      expect(await store.findByTokenHash('unknown', T0)).toBeNull();
    });

    it('saves sessions started at the same time, each findable once its save settles', async () => {
      const many = Array.from({ length: 50 }, () => record());
      await Promise.all(many.map((s) => store.save(s)));
      for (const s of many) expect(await store.findByTokenHash(s.token_hash, T0 + 1)).toEqual(s);
      expect((await store.listForUser('app1', 'u1', T0 + 1)).map((s) => s.session_id).sort()).toEqual(many.map((s) => s.session_id).sort());
    });

    it('lists only the live sessions of that user of that application', async () => {
      const a = record();
      const b = record({ created_at: T0 + 1, expires_at: T0 + 120_000 });
      await store.save(a);
      await store.save(b);
      await store.save(record({ user_id: 'u2' }));
      await store.save(record({ application_id: 'app2' }));
      expect((await store.listForUser('app1', 'u1', T0 + 10)).map((s) => s.session_id)).toEqual([a.session_id, b.session_id]);
      expect((await store.listForUser('app1', 'u1', T0 + 90_000)).map((s) => s.session_id)).toEqual([b.session_id]);
    });

    it('extends a session, and does not bring back one that was removed', async () => {
      const s = record({ rolling: true });
      await store.save(s);
      await store.extend(s.session_id, T0 + 500_000, T0 + 30_000);
      expect((await store.findByTokenHash(s.token_hash, T0 + 400_000))?.expires_at).toBe(T0 + 500_000);
      await store.remove('app1', 'u1', [s.session_id], T0 + 30_000);
      await store.extend(s.session_id, T0 + 900_000, T0 + 30_000);
      expect(await store.findByTokenHash(s.token_hash, T0 + 30_000)).toBeNull();
    });

    it('refuses a session once it is removed, right after it was looked up', async () => {
      const [a, b] = [record(), record()];
      for (const s of [a!, b!]) await store.save(s);
      for (const s of [a!, b!]) expect(await store.findByTokenHash(s.token_hash, T0)).not.toBeNull();
      await store.remove('app1', 'u1', undefined, T0);
      for (const s of [a!, b!]) expect(await store.findByTokenHash(s.token_hash, T0)).toBeNull();
    });

    it('removes one or all sessions of a user, reporting each once, and no one else’s', async () => {
      const [a, b, c] = [record(), record(), record()];
      const other = record({ user_id: 'u2' });
      for (const s of [a!, b!, c!, other]) await store.save(s);
      expect(await store.remove('app1', 'u1', [a!.session_id, other.session_id], T0)).toEqual([a!.session_id]);
      expect(await store.findByTokenHash(other.token_hash, T0)).not.toBeNull();
      const both = await Promise.all([store.remove('app1', 'u1', undefined, T0), store.remove('app1', 'u1', undefined, T0)]);
      expect(both.flat().sort()).toEqual([b!.session_id, c!.session_id].sort());
      expect(await store.listForUser('app1', 'u1', T0)).toEqual([]);
    });
  });
}

sessionStoreConformance('SQLite (embedded)', async () => {
  const db = openSqlite(':memory:');
  return {
    store: new SqliteSessionStore(db),
    cleanup: async () => {
      db.close();
    },
  };
});

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(async () => {
  redis.disconnect();
});
sessionStoreConformance('Redis', async () => {
  const prefix = `test:sess:${randomUUID()}:`;
  return {
    store: new RedisSessionStore(redis, prefix),
    cleanup: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    },
  };
});

describe('SQLite session store', () => {
  it('keeps answering for sessions beyond what it holds in memory, from the table', async () => {
    const store = new SqliteSessionStore(openSqlite(':memory:'), 3);
    const many = Array.from({ length: 10 }, () => record({ rolling: true }));
    for (const s of many) await store.save(s);
    for (const s of many) expect(await store.findByTokenHash(s.token_hash, T0 + 1)).toEqual(s);
    const [first, second] = [many[0]!, many[1]!];
    await store.extend(first.session_id, T0 + 300_000, T0 + 1);
    expect((await store.findByTokenHash(first.token_hash, T0 + 200_000))?.expires_at).toBe(T0 + 300_000);
    expect(await store.remove('app1', 'u1', [second.session_id], T0 + 1)).toEqual([second.session_id]);
    expect(await store.findByTokenHash(second.token_hash, T0 + 1)).toBeNull();
  });

  it('keeps its own copy: a saved record changed afterwards, or a found one, does not change the session', async () => {
    const store = new SqliteSessionStore(openSqlite(':memory:'));
    const s = record();
    await store.save(s);
    s.expires_at = T0 + 999_999;
    const found = await store.findByTokenHash(s.token_hash, T0 + 1);
    expect(found?.expires_at).toBe(T0 + 60_000);
    expect(() => {
      found!.user_id = 'someone else';
    }).toThrow(TypeError);
    expect((await store.findByTokenHash(s.token_hash, T0 + 1))?.user_id).toBe('u1');
  });

  it('fails only the save whose row cannot be written when sessions are saved together', async () => {
    const store = new SqliteSessionStore(openSqlite(':memory:'));
    const many = Array.from({ length: 20 }, () => record());
    const twice = { ...record(), session_id: many[3]!.session_id };
    const outcomes = await Promise.allSettled([...many, twice].map((s) => store.save(s)));
    expect(outcomes.map((o) => o.status)).toEqual([...many.map(() => 'fulfilled'), 'rejected']);
    for (const s of many) expect(await store.findByTokenHash(s.token_hash, T0 + 1)).toEqual(s);
    expect(await store.findByTokenHash(twice.token_hash, T0 + 1)).toBeNull();
  });
});
