import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, OTP_LIMITS } from '../../src/commands/otp/otpRules.js';
import type { OtpRecord, OtpStore } from '../../src/commands/otp/otpStore.js';
import { RedisOtpStore } from '../../src/commands/otp/redisOtpStore.js';
import { SqliteOtpStore } from '../../src/commands/otp/sqliteOtpStore.js';
import { openSqlite } from '../../src/shared/sqlite.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const TRIES = { max_tries: 5, consume: true };
const record = (overrides: Partial<OtpRecord> = {}): OtpRecord => ({
  request_id: randomBytes(16).toString('hex'),
  application_id: 'app1',
  purpose: 'contact',
  channel: 'sms',
  recipient: '+919876543210',
  user_id: 'u1',
  code_hash: 'right',
  created_at: T0,
  expires_at: T0 + 600_000,
  tries: 0,
  consumed: false,
  ...overrides,
});

/** One behaviour suite for every OTP store adapter. */
function otpStoreConformance(name: string, open: () => Promise<{ store: OtpStore; cleanup(): Promise<void> }>) {
  describe(`OTP store conformance: ${name}`, () => {
    let store: OtpStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => cleanup());

    it('accepts the right code once, and only for its application', async () => {
      const r = record();
      expect(await store.issue(r, OTP_LIMITS, T0)).toEqual({ ok: true });
      expect(await store.attempt('app2', r.request_id, 'right', T0, TRIES)).toEqual({ ok: false, reason: 'not_found' });
      const ok = await store.attempt('app1', r.request_id, 'right', T0 + 1000, TRIES);
      expect(ok.ok && ok.record.recipient).toBe('+919876543210');
      expect(await store.attempt('app1', r.request_id, 'right', T0 + 2000, TRIES)).toEqual({ ok: false, reason: 'used' });
      expect(await store.attempt('app1', 'f'.repeat(32), 'right', T0, TRIES)).toEqual({ ok: false, reason: 'not_found' });
    });

    it('forgets every code and send window of an erased person’s addresses, and nobody else’s', async () => {
      const mine = record({ recipient: '+919800000077' });
      const reset = record({ recipient: '+919800000077', purpose: 'forgot' });
      const theirs = record({ recipient: '+919800000078' });
      for (const r of [mine, reset, theirs]) expect(await store.issue(r, OTP_LIMITS, T0)).toEqual({ ok: true });
      await store.forget('app1', ['+919800000077']);
      expect(await store.get(mine.request_id)).toBeNull();
      expect(await store.get(reset.request_id)).toBeNull();
      expect(await store.latest('app1', 'contact', '+919800000077', T0)).toBeNull();
      expect(await store.get(theirs.request_id)).not.toBeNull();
      // The send window went too: a new code may be sent at once.
      expect(await store.issue(record({ recipient: '+919800000077' }), OTP_LIMITS, T0 + 1)).toEqual({ ok: true });
    });

    it('lets a code be checked without using it up', async () => {
      const r = record();
      await store.issue(r, OTP_LIMITS, T0);
      expect((await store.attempt('app1', r.request_id, 'right', T0, { ...TRIES, consume: false })).ok).toBe(true);
      expect((await store.attempt('app1', r.request_id, 'right', T0, TRIES)).ok).toBe(true);
    });

    it('refuses an expired code', async () => {
      const r = record();
      await store.issue(r, OTP_LIMITS, T0);
      expect(await store.attempt('app1', r.request_id, 'right', T0 + 600_000, TRIES)).toEqual({ ok: false, reason: 'expired' });
    });

    it('counts 50 concurrent wrong guesses as 50, and the right code is dead after the fifth', async () => {
      const r = record();
      await store.issue(r, OTP_LIMITS, T0);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.attempt('app1', r.request_id, 'wrong', T0, TRIES)));
      const reasons = results.map((x) => (x.ok ? 'ok' : x.reason));
      expect(reasons.filter((x) => x === 'wrong')).toHaveLength(5);
      expect(reasons.filter((x) => x === 'too_many_tries')).toHaveLength(45);
      expect((await store.get(r.request_id))?.tries).toBe(50);
      expect(await store.attempt('app1', r.request_id, 'right', T0, TRIES)).toEqual({ ok: false, reason: 'too_many_tries' });
    });

    it('uses a code at most once when it is sent twice at the same moment', async () => {
      const r = record();
      await store.issue(r, OTP_LIMITS, T0);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.attempt('app1', r.request_id, 'right', T0, TRIES)));
      expect(results.filter((x) => x.ok)).toHaveLength(1);
    });

    it('refuses a resend before the resend interval and replaces the old code after it', async () => {
      const first = record();
      await store.issue(first, OTP_LIMITS, T0);
      expect(await store.issue(record(), OTP_LIMITS, T0 + 10_000)).toEqual({ ok: false, reason: 'resend_too_soon', retry_after_ms: 20_000 });
      const second = record({ created_at: T0 + 30_000, expires_at: T0 + 630_000 });
      expect(await store.issue(second, OTP_LIMITS, T0 + 30_000)).toEqual({ ok: true });
      expect(await store.attempt('app1', first.request_id, 'right', T0 + 31_000, TRIES)).toEqual({ ok: false, reason: 'not_found' });
      expect(await store.latest('app1', 'contact', '+919876543210', T0 + 31_000)).toBe(second.request_id);
      expect(await store.latest('app1', 'contact', '+919876543210', T0 + 630_000)).toBeNull();
      expect(await store.latest('app1', 'forgot', '+919876543210', T0 + 31_000)).toBeNull();
    });

    it('caps the codes a recipient gets in an hour, whatever their purpose, and no one else’s', async () => {
      for (let i = 0; i < OTP_LIMITS.per_hour; i += 1) {
        expect(await store.issue(record({ purpose: i % 2 === 0 ? 'contact' : 'forgot' }), OTP_LIMITS, T0 + i * 31_000)).toEqual({ ok: true });
      }
      const refused = await store.issue(record(), OTP_LIMITS, T0 + 10 * 60_000);
      expect(refused).toEqual({ ok: false, reason: 'hourly_limit', retry_after_ms: 50 * 60_000 });
      expect(await store.issue(record({ recipient: '+919876500000' }), OTP_LIMITS, T0 + 10 * 60_000)).toEqual({ ok: true });
      expect(await store.issue(record({ application_id: 'app2' }), OTP_LIMITS, T0 + 10 * 60_000)).toEqual({ ok: true });
      expect(await store.issue(record(), OTP_LIMITS, T0 + HOUR_MS)).toEqual({ ok: true });
    });

    it('keeps only the hash of a code', async () => {
      const r = record({ code_hash: 'hmac-of-code' });
      await store.issue(r, OTP_LIMITS, T0);
      expect(await store.get(r.request_id)).toEqual(r);
    });
  });
}

otpStoreConformance('SQLite (embedded)', async () => {
  const db = openSqlite(':memory:');
  return { store: new SqliteOtpStore(db), cleanup: async () => void db.close() };
});

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(async () => {
  redis.disconnect();
});
otpStoreConformance('Redis', async () => {
  const prefix = `test:otp:${randomUUID()}:`;
  return {
    store: new RedisOtpStore(redis, prefix),
    cleanup: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    },
  };
});
