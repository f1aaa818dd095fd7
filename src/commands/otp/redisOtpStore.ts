import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HOUR_MS } from './otpRules.js';
import { otpPurposes, type AttemptFailure, type AttemptOptions, type AttemptResult, type IssueLimits, type IssueResult, type OtpPurpose, type OtpRecord, type OtpStore } from './otpStore.js';

/**
 * The throttle of otpRules.decideIssue, atomically. KEYS: latest (hash request_id, sent_at),
 * window (hash start, sends), new code. ARGV: now, resend_ms, per_hour, hour_ms, code prefix,
 * request_id, code ttl ms, then the record's fields as name/value pairs.
 */
const ISSUE = `
local now = tonumber(ARGV[1])
local resend_ms = tonumber(ARGV[2])
local per_hour = tonumber(ARGV[3])
local hour_ms = tonumber(ARGV[4])
local last = redis.call('HMGET', KEYS[1], 'request_id', 'sent_at')
if last[2] and now < tonumber(last[2]) + resend_ms then
  return {'resend_too_soon', tonumber(last[2]) + resend_ms - now}
end
local w = redis.call('HMGET', KEYS[2], 'start', 'sends')
local start, sends = now, 0
if w[1] and now < tonumber(w[1]) + hour_ms then start, sends = tonumber(w[1]), tonumber(w[2]) end
if sends >= per_hour then return {'hourly_limit', start + hour_ms - now} end
redis.call('HSET', KEYS[2], 'start', start, 'sends', sends + 1)
redis.call('PEXPIRE', KEYS[2], hour_ms)
if last[1] then redis.call('DEL', ARGV[5] .. last[1]) end
local ttl = tonumber(ARGV[7])
local fields = {}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('HSET', KEYS[1], 'request_id', ARGV[6], 'sent_at', now)
redis.call('PEXPIRE', KEYS[1], math.max(ttl, resend_ms))
return {'ok', 0}
`;

/** otpRules.decideAttempt, atomically, after counting the try. KEYS: code. ARGV: application, hash, now, max_tries, consume. */
const ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'not_found' end
if redis.call('HGET', KEYS[1], 'application_id') ~= ARGV[1] then return 'not_found' end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
local r = redis.call('HMGET', KEYS[1], 'expires_at', 'consumed', 'code_hash')
if tonumber(ARGV[3]) >= tonumber(r[1]) then return 'expired' end
if r[2] == '1' then return 'used' end
if tries > tonumber(ARGV[4]) then return 'too_many_tries' end
if r[3] ~= ARGV[2] then return 'wrong' end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'consumed', '1') end
return 'ok'
`;

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Keys: `<p>c:<request_id>` the code (a hash), `<p>l:<app>:<purpose>:<sha256(recipient)>` the
 * recipient's live code, `<p>w:<app>:<sha256(recipient)>` the hourly send window. Recipients
 * are hashed in key names, which Redis tooling lists freely. Expiry decisions use the caller's
 * clock; Redis TTLs only collect garbage.
 */
export class RedisOtpStore implements OtpStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'us:otp:',
  ) {}

  private codeKey = (requestId: string) => `${this.prefix}c:${requestId}`;
  private latestKey = (app: string, purpose: OtpPurpose, recipient: string) => `${this.prefix}l:${app}:${purpose}:${digest(recipient)}`;
  private windowKey = (app: string, recipient: string) => `${this.prefix}w:${app}:${digest(recipient)}`;

  async issue(record: OtpRecord, limits: IssueLimits, now: number): Promise<IssueResult> {
    const fields = Object.entries({ ...record, consumed: record.consumed ? '1' : '0' }).flatMap(([k, v]) => [k, String(v)]);
    const ttl = Math.max(1, record.expires_at - now);
    const reply = (await this.redis.eval(
      ISSUE,
      3,
      this.latestKey(record.application_id, record.purpose, record.recipient),
      this.windowKey(record.application_id, record.recipient),
      this.codeKey(record.request_id),
      now,
      limits.resend_ms,
      limits.per_hour,
      HOUR_MS,
      `${this.prefix}c:`,
      record.request_id,
      ttl,
      ...fields,
    )) as [string, number];
    const [outcome, retryAfter] = reply;
    if (outcome === 'ok') return { ok: true };
    return { ok: false, reason: outcome === 'hourly_limit' ? 'hourly_limit' : 'resend_too_soon', retry_after_ms: Number(retryAfter) };
  }

  async latest(applicationId: string, purpose: OtpPurpose, recipient: string, now: number): Promise<string | null> {
    const requestId = await this.redis.hget(this.latestKey(applicationId, purpose, recipient), 'request_id');
    if (requestId === null) return null;
    const record = await this.get(requestId);
    return record === null || record.expires_at <= now ? null : requestId;
  }

  async attempt(applicationId: string, requestId: string, codeHash: string, now: number, options: AttemptOptions): Promise<AttemptResult> {
    const outcome = (await this.redis.eval(
      ATTEMPT,
      1,
      this.codeKey(requestId),
      applicationId,
      codeHash,
      now,
      options.max_tries,
      options.consume ? '1' : '0',
    )) as AttemptFailure | 'ok';
    if (outcome !== 'ok') return { ok: false, reason: outcome };
    const record = await this.get(requestId);
    if (record === null) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  async get(requestId: string): Promise<OtpRecord | null> {
    const raw = await this.redis.hgetall(this.codeKey(requestId));
    if (raw.request_id === undefined) return null;
    return {
      request_id: raw.request_id,
      application_id: raw.application_id ?? '',
      purpose: (raw.purpose ?? 'contact') as OtpPurpose,
      channel: raw.channel === 'email' ? 'email' : 'sms',
      recipient: raw.recipient ?? '',
      user_id: raw.user_id ?? '',
      code_hash: raw.code_hash ?? '',
      created_at: Number(raw.created_at),
      expires_at: Number(raw.expires_at),
      tries: Number(raw.tries),
      consumed: raw.consumed === '1',
    };
  }

  async forget(applicationId: string, recipients: string[]): Promise<void> {
    for (const recipient of recipients) {
      const latest = otpPurposes.map((purpose) => this.latestKey(applicationId, purpose, recipient));
      const requestIds = await Promise.all(latest.map((key) => this.redis.hget(key, 'request_id')));
      const codes = requestIds.filter((id) => id !== null).map((id) => this.codeKey(id));
      await this.redis.del(...latest, ...codes, this.windowKey(applicationId, recipient));
    }
  }

  async close(): Promise<void> {}
}
