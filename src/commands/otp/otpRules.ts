import { createHmac, randomInt } from 'node:crypto';
import type { AttemptFailure, AttemptOptions, IssueLimits, IssueResult, OtpRecord } from './otpStore.js';

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_TRIES = 5;
export const OTP_RESEND_MS = 30_000;
export const OTP_SENDS_PER_HOUR = 5;
export const HOUR_MS = 3_600_000;
/** Links are opened from a mailbox, later than an OTP is typed: still well within the hour ASVS allows. */
export const LINK_TTL_MS = 30 * 60_000;

export const OTP_LIMITS: IssueLimits = { resend_ms: OTP_RESEND_MS, per_hour: OTP_SENDS_PER_HOUR };

/** Uniform digits from the CSPRNG; `pick` is injectable so the rule can be tested. */
export function generateOtp(length: 4 | 6, pick: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += String(pick(10));
  return code;
}

/**
 * Keyed by a server secret and bound to the request: a leaked store does not give away a
 * six-digit code by a million guesses offline, and a code cannot be replayed on another request.
 */
export const otpHash = (key: Buffer, requestId: string, code: string): string =>
  createHmac('sha256', key).update(`${requestId}\u0000${code}`).digest('hex');

export interface SendWindow {
  start: number;
  sends: number;
}

/** The throttle, as data: both adapters apply exactly this (the Redis one in Lua). */
export function decideIssue(
  lastSentAt: number | undefined,
  window: SendWindow | undefined,
  now: number,
  limits: IssueLimits,
): { result: IssueResult; window?: SendWindow } {
  if (lastSentAt !== undefined && now < lastSentAt + limits.resend_ms) {
    return { result: { ok: false, reason: 'resend_too_soon', retry_after_ms: lastSentAt + limits.resend_ms - now } };
  }
  const current = window === undefined || now >= window.start + HOUR_MS ? { start: now, sends: 0 } : window;
  if (current.sends >= limits.per_hour) {
    return { result: { ok: false, reason: 'hourly_limit', retry_after_ms: current.start + HOUR_MS - now } };
  }
  return { result: { ok: true }, window: { start: current.start, sends: current.sends + 1 } };
}

/** A verification attempt against a record whose `tries` already counts this attempt. */
export function decideAttempt(
  record: Pick<OtpRecord, 'expires_at' | 'tries' | 'consumed' | 'code_hash'>,
  codeHash: string,
  now: number,
  options: Pick<AttemptOptions, 'max_tries'>,
): AttemptFailure | 'ok' {
  if (now >= record.expires_at) return 'expired';
  if (record.consumed) return 'used';
  if (record.tries > options.max_tries) return 'too_many_tries';
  return record.code_hash === codeHash ? 'ok' : 'wrong';
}
