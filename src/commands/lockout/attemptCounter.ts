/**
 * Failed sign-ins per account. The counter, not the event log, decides lockout, because it must
 * count concurrent failures exactly: 50 wrong passwords at once are 50 increments of one row
 * (SQLite) or one key (Redis), where 50 appends to the user's stream with an expected revision
 * would conflict and retry. Each failure is still written to the user's stream (UserLoginFailed,
 * UserLockedOut), numbered by this counter, as the audit trail.
 */
export interface FailureCount {
  /** This failure's number since the last success, lock expiry or quiet day. */
  attempt: number;
  /** When the account is locked until (epoch ms), or null when it is not locked. */
  locked_until: number | null;
  /** This failure is the one that locked the account. */
  locked_now: boolean;
}

export interface LockoutPolicy {
  max_attempts: number;
  lock_ms: number;
}

export interface AttemptState {
  count: number;
  last_failure_at: number;
  locked_until: number;
}

/** Failures further apart than this do not add up: a forgotten password a month ago is not a threat today. */
export const FAILURE_MEMORY_MS = 24 * 3_600_000;

/** The counting rule, as data: both adapters apply exactly this (the Redis one in Lua). */
export function countFailure(state: AttemptState | undefined, now: number, policy: LockoutPolicy): { state: AttemptState; result: FailureCount } {
  const lockOver = state !== undefined && state.locked_until > 0 && state.locked_until <= now;
  const forgotten = state !== undefined && state.locked_until <= now && now - state.last_failure_at > FAILURE_MEMORY_MS;
  const base = state === undefined || lockOver || forgotten ? { count: 0, last_failure_at: now, locked_until: 0 } : state;
  const count = base.count + 1;
  if (base.locked_until > now) {
    const next = { ...base, count, last_failure_at: now };
    return { state: next, result: { attempt: count, locked_until: base.locked_until, locked_now: false } };
  }
  const locks = count >= policy.max_attempts;
  const lockedUntil = locks ? now + policy.lock_ms : 0;
  return {
    state: { count, last_failure_at: now, locked_until: lockedUntil },
    result: { attempt: count, locked_until: locks ? lockedUntil : null, locked_now: locks },
  };
}

export interface AttemptCounter {
  /** Epoch ms the account is locked until, or null. */
  lockedUntil(key: string, now: number): Promise<number | null>;
  recordFailure(key: string, now: number, policy: LockoutPolicy): Promise<FailureCount>;
  /** After a successful sign-in or a password reset. */
  reset(key: string): Promise<void>;
  /**
   * After a correct password at sign-in: the lock (epoch ms) when one holds, else the count is
   * cleared and null returned. One call where lockedUntil then reset were two round trips on
   * every successful sign-in, almost always for an account with nothing to clear.
   */
  settleSuccess(key: string, now: number): Promise<number | null>;
  close(): Promise<void>;
}

export const attemptKey = (applicationId: string, userId: string): string => `${applicationId}:${userId}`;
