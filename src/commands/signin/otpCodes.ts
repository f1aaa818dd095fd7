import { DomainError, invalid } from '../../shared/errors.js';
import { generateOtp, OTP_LIMITS, OTP_MAX_TRIES, OTP_TTL_MS, otpHash } from '../otp/otpRules.js';
import type { AttemptFailure, IssueLimits, OtpPurpose, OtpRecord } from '../otp/otpStore.js';
import type { SigninDeps } from './signinDeps.js';

/** What the storefront shows as `resend_timer`: the resend interval, in seconds. */
export const RESEND_TIMER_SECONDS = OTP_LIMITS.resend_ms / 1000;

export interface Delivery {
  template: string;
  data?: Record<string, string>;
}

/** 128 random bits, hex. */
export const newRequestId = (deps: Pick<SigninDeps, 'ids'>): string => Buffer.from(deps.ids.token(16), 'base64url').toString('hex');

const hashFor = (deps: Pick<SigninDeps, 'otpKey'>, purpose: OtpPurpose, requestId: string, code: string) =>
  otpHash(deps.otpKey, requestId, `${purpose}\u0000${code}`);

function throttled(retryAfterMs: number, reason: 'resend_too_soon' | 'hourly_limit'): DomainError {
  const seconds = Math.ceil(retryAfterMs / 1000);
  return reason === 'resend_too_soon'
    ? new DomainError('rate_limited', 'otp_resend_too_soon', `a new code can be sent in ${seconds} seconds`)
    : new DomainError('rate_limited', 'otp_hourly_limit', `too many codes sent to this recipient; try again in ${Math.ceil(seconds / 60)} minutes`);
}

interface IssueInput {
  application_id: string;
  purpose: OtpPurpose;
  channel: 'sms' | 'email';
  recipient: string;
  user_id: string;
  ttl_ms: number;
  limits?: IssueLimits;
  /** Absent: the code is stored but sent to no one (a forgot flow for an unknown account looks the same). */
  delivery?: Delivery;
}

async function issue(deps: SigninDeps, input: IssueInput, code: string, requestId: string, shown: Record<string, string>): Promise<void> {
  const now = deps.clock.now().getTime();
  const record: OtpRecord = {
    request_id: requestId,
    application_id: input.application_id,
    purpose: input.purpose,
    channel: input.channel,
    recipient: input.recipient,
    user_id: input.user_id,
    code_hash: hashFor(deps, input.purpose, requestId, code),
    created_at: now,
    expires_at: now + input.ttl_ms,
    tries: 0,
    consumed: false,
  };
  const result = await deps.otps.issue(record, input.limits ?? OTP_LIMITS, now);
  if (!result.ok) throw throttled(result.retry_after_ms, result.reason);
  if (input.delivery === undefined) return;
  await deps.notifier.send({
    channel: input.channel,
    to: input.recipient,
    template: input.delivery.template,
    data: { ...shown, expires_in_minutes: String(Math.round(input.ttl_ms / 60_000)), ...input.delivery.data },
    application_id: input.application_id,
  });
}

/** A numeric OTP; returns its request id. */
export async function sendOtp(deps: SigninDeps, input: Omit<IssueInput, 'ttl_ms'>): Promise<string> {
  const requestId = newRequestId(deps);
  const code = generateOtp(deps.otpLength);
  await issue(deps, { ...input, ttl_ms: OTP_TTL_MS }, code, requestId, { otp: code });
  return requestId;
}

/** A code to put in a link (`<request id>.<256 random bits>`); returns it. */
export async function sendLinkCode(deps: SigninDeps, input: IssueInput): Promise<string> {
  const requestId = newRequestId(deps);
  const code = `${requestId}.${deps.ids.token(32)}`;
  await issue(deps, input, code, requestId, { code });
  return code;
}

const MESSAGES: Record<AttemptFailure, string> = {
  not_found: 'is invalid or has expired; ask for a new one',
  expired: 'has expired; ask for a new one',
  used: 'has already been used; ask for a new one',
  too_many_tries: 'was entered wrongly too many times; ask for a new one',
  wrong: 'is incorrect',
};

async function attempt(
  deps: SigninDeps,
  field: string,
  applicationId: string,
  purpose: OtpPurpose,
  requestId: string,
  code: string,
  consume: boolean,
): Promise<OtpRecord> {
  const now = deps.clock.now().getTime();
  const result = await deps.otps.attempt(applicationId, requestId, hashFor(deps, purpose, requestId, code), now, {
    max_tries: OTP_MAX_TRIES,
    consume,
  });
  if (!result.ok) throw new DomainError('validation', `otp_${result.reason}`, `${field}: ${MESSAGES[result.reason]}`, [{ field, message: MESSAGES[result.reason] }]);
  return result.record;
}

/** Checks and uses up an OTP, found by its request id. */
export const checkOtp = (deps: SigninDeps, applicationId: string, purpose: OtpPurpose, requestId: string, otp: string) =>
  attempt(deps, 'body.otp', applicationId, purpose, requestId, otp.trim(), true);

/** Checks and uses up the OTP last sent to a recipient (email OTPs are verified by address, not request id). */
export async function checkOtpOf(deps: SigninDeps, applicationId: string, purpose: OtpPurpose, recipient: string, otp: string): Promise<OtpRecord> {
  const requestId = await deps.otps.latest(applicationId, purpose, recipient, deps.clock.now().getTime());
  if (requestId === null) throw invalid('body.otp', MESSAGES.not_found);
  return checkOtp(deps, applicationId, purpose, requestId, otp);
}

/** Checks a link code; `consume: false` only looks (a reset page opened before the new password is typed). */
export async function checkLinkCode(deps: SigninDeps, field: string, applicationId: string, purpose: OtpPurpose, code: string, consume: boolean): Promise<OtpRecord> {
  const [requestId, secret] = code.trim().split('.');
  if (requestId === undefined || secret === undefined || !/^[0-9a-f]{32,64}$/.test(requestId)) throw invalid(field, MESSAGES.not_found);
  return attempt(deps, field, applicationId, purpose, requestId, code.trim(), consume);
}
