/**
 * What a one-time code is for. `contact`: proves the user receives messages at an address or
 * number (sign-in, registration); `forgot`: the forgotten-password OTP; the `*_link` purposes
 * are codes mailed inside a link (password reset, contact verification, one-click sign-in).
 */
export const otpPurposes = [
  'contact',
  'forgot',
  'reset_link',
  'verify_link',
  'login_link',
  // Profile v2: an OTP to the shopper's current primary, then the proof it was entered, then an OTP to the new contact.
  'primary_check',
  'primary_proof',
  'contact_update',
] as const;
export type OtpPurpose = (typeof otpPurposes)[number];

/** A code as the store keeps it: only its HMAC, never the code. */
export interface OtpRecord {
  /** At least 128 random bits: the handle a client verifies with. */
  request_id: string;
  application_id: string;
  purpose: OtpPurpose;
  channel: 'sms' | 'email';
  /** E.164 number or lower-cased email. */
  recipient: string;
  /** The account the code was issued for; '' when there is none (forgot flows still answer alike). */
  user_id: string;
  code_hash: string;
  created_at: number;
  expires_at: number;
  /** Every verification attempt, right or wrong, including those after the limit. */
  tries: number;
  consumed: boolean;
}

export interface IssueLimits {
  /** A recipient's next code for the same purpose no sooner than this after the last. */
  resend_ms: number;
  /** Codes per recipient (any purpose) per rolling hour window. */
  per_hour: number;
}

export type IssueResult = { ok: true } | { ok: false; reason: 'resend_too_soon' | 'hourly_limit'; retry_after_ms: number };

export type AttemptFailure = 'not_found' | 'expired' | 'used' | 'too_many_tries' | 'wrong';
export type AttemptResult = { ok: true; record: OtpRecord } | { ok: false; reason: AttemptFailure };

export interface AttemptOptions {
  max_tries: number;
  /** false: check without using it up (a reset link opened before the new password is chosen). */
  consume: boolean;
}

/**
 * Where codes live: Redis in production, the SQLite file otherwise. Each operation is atomic,
 * so concurrent guesses are all counted and a code is used at most once. Both adapters pass
 * test/conformance/otpStore.test.ts.
 */
export interface OtpStore {
  /** Replaces the recipient's live code for this purpose, unless the resend interval or the hourly cap says no. */
  issue(record: OtpRecord, limits: IssueLimits, now: number): Promise<IssueResult>;
  /** The request id of the recipient's live code for this purpose, if any. */
  latest(applicationId: string, purpose: OtpPurpose, recipient: string, now: number): Promise<string | null>;
  /** Counts the try, then checks application, expiry, use, the try limit and the hash, in that order. */
  attempt(applicationId: string, requestId: string, codeHash: string, now: number, options: AttemptOptions): Promise<AttemptResult>;
  /** The stored record (its hash included), for tests and operators; null once gone. */
  get(requestId: string): Promise<OtpRecord | null>;
  /** Drops every code, live pointer and send window of these recipients (an erased person's addresses). */
  forget(applicationId: string, recipients: string[]): Promise<void>;
  close(): Promise<void>;
}
