import { describe, expect, it } from 'vitest';
import { countFailure, FAILURE_MEMORY_MS } from '../../src/commands/lockout/attemptCounter.js';
import { decideAttempt, decideIssue, generateOtp, HOUR_MS, OTP_LIMITS, otpHash } from '../../src/commands/otp/otpRules.js';

const T0 = Date.UTC(2026, 10, 27, 12);

describe('OTP rules', () => {
  it('makes codes of 6 digits, or 4 when configured, from the random source', () => {
    expect(generateOtp(6)).toMatch(/^\d{6}$/);
    expect(generateOtp(4)).toMatch(/^\d{4}$/);
    const digits = [3, 1, 4, 1, 5, 9];
    expect(generateOtp(6, () => digits.shift() ?? 0)).toBe('314159');
  });

  it('hashes a code bound to its request and the server key', () => {
    const key = Buffer.alloc(32, 1);
    expect(otpHash(key, 'r1', '123456')).not.toBe(otpHash(key, 'r2', '123456'));
    expect(otpHash(key, 'r1', '123456')).not.toBe(otpHash(Buffer.alloc(32, 2), 'r1', '123456'));
    expect(otpHash(key, 'r1', '123456')).not.toContain('123456');
  });

  it('refuses a resend before the resend timer, then counts sends per hour', () => {
    expect(decideIssue(T0, undefined, T0 + 29_999, OTP_LIMITS).result).toEqual({ ok: false, reason: 'resend_too_soon', retry_after_ms: 1 });
    let window: { start: number; sends: number } | undefined;
    for (let i = 0; i < OTP_LIMITS.per_hour; i += 1) {
      const decided = decideIssue(undefined, window, T0 + i * 60_000, OTP_LIMITS);
      expect(decided.result.ok).toBe(true);
      window = decided.window;
    }
    expect(decideIssue(undefined, window, T0 + 10 * 60_000, OTP_LIMITS).result).toEqual({ ok: false, reason: 'hourly_limit', retry_after_ms: 50 * 60_000 });
    expect(decideIssue(undefined, window, T0 + HOUR_MS, OTP_LIMITS).result.ok).toBe(true);
  });

  it('checks expiry, use and the try limit before the code itself', () => {
    const record = { expires_at: T0 + 600_000, tries: 1, consumed: false, code_hash: 'h' };
    expect(decideAttempt(record, 'h', T0, { max_tries: 5 })).toBe('ok');
    expect(decideAttempt(record, 'x', T0, { max_tries: 5 })).toBe('wrong');
    expect(decideAttempt(record, 'h', T0 + 600_000, { max_tries: 5 })).toBe('expired');
    expect(decideAttempt({ ...record, consumed: true }, 'h', T0, { max_tries: 5 })).toBe('used');
    expect(decideAttempt({ ...record, tries: 6 }, 'h', T0, { max_tries: 5 })).toBe('too_many_tries');
  });
});

describe('lockout counting', () => {
  const policy = { max_attempts: 5, lock_ms: 15 * 60_000 };

  it('locks at the fifth failure, counts failures while locked, and starts again after the lock', () => {
    let state: Parameters<typeof countFailure>[0];
    const results = [];
    for (let i = 0; i < 7; i += 1) {
      const counted = countFailure(state, T0 + i, policy);
      state = counted.state;
      results.push(counted.result);
    }
    expect(results.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(results.map((r) => r.locked_now)).toEqual([false, false, false, false, true, false, false]);
    expect(results[4]?.locked_until).toBe(T0 + 4 + policy.lock_ms);
    expect(results[6]?.locked_until).toBe(T0 + 4 + policy.lock_ms);
    const after = countFailure(state, T0 + 4 + policy.lock_ms, policy);
    expect(after.result).toEqual({ attempt: 1, locked_until: null, locked_now: false });
  });

  it('forgets failures after a quiet day', () => {
    const first = countFailure(undefined, T0, policy).state;
    expect(countFailure({ ...first, count: 4 }, T0 + FAILURE_MEMORY_MS + 1, policy).result.attempt).toBe(1);
  });
});
