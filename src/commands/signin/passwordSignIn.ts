import { DomainError } from '../../shared/errors.js';
import { currentPasswordHash } from '../customer/credentials.js';
import { changeCredentials, recordLoginFailure } from '../customer/credentialHandlers.js';
import { attemptKey, type LockoutPolicy } from '../lockout/attemptCounter.js';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../password/passwordHasher.js';
import type { PasswordSettings } from '../password/passwordPolicy.js';
import { candidateIdentifiers, findAccount, type Account } from './accounts.js';
import type { StorefrontCaller } from './caller.js';
import type { SigninDeps } from './signinDeps.js';

/** One answer for an unknown account, a wrong password and a locked account: nothing to tell them apart by. */
export const invalidCredentials = (): DomainError =>
  new DomainError('unauthorized', 'invalid_credentials', 'the username or password is incorrect');

export const blockedAccount = (): DomainError => new DomainError('forbidden', 'user_blocked', 'this account is blocked; contact support');

export const lockoutPolicy = (settings: PasswordSettings): LockoutPolicy => ({
  max_attempts: settings.lockout.max_attempts,
  lock_ms: settings.lockout.duration_minutes * 60_000,
});

/**
 * Checks a password against the account's current hash, counting a failure (and locking at the
 * limit) when it is wrong. A locked account or one without a password is compared with a dummy
 * hash, so every failure costs the same argon2 time. `clearOnSuccess`: a correct password also
 * clears the account's failure count (a sign-in), in the same call that checks for a lock.
 */
export async function checkPassword(
  deps: SigninDeps,
  caller: StorefrontCaller,
  account: Account,
  password: string,
  method: 'password' | 'old_password',
  settings: PasswordSettings,
  clearOnSuccess = false,
): Promise<boolean> {
  const key = attemptKey(caller.application_id, account.user_id);
  const hash = currentPasswordHash(account.state);
  const lockedBefore = (await deps.attempts.lockedUntil(key, deps.clock.now().getTime())) !== null;
  let ok = lockedBefore || hash === undefined ? await verifyAgainstDummy(password) : await verifyPassword(hash, password);
  // A concurrent guess may have locked the account while this one was hashing.
  if (ok) {
    const now = deps.clock.now().getTime();
    const lock = clearOnSuccess ? await deps.attempts.settleSuccess(key, now) : await deps.attempts.lockedUntil(key, now);
    if (lock !== null) ok = false;
  }
  if (ok) return true;
  const now = deps.clock.now();
  const counted = await deps.attempts.recordFailure(key, now.getTime(), lockoutPolicy(settings));
  await recordLoginFailure(deps, caller.context(method === 'password' ? 'passwordLoginFailed' : 'passwordChangeFailed'), account.state, {
    type: 'RecordLoginFailure',
    attempt: counted.attempt,
    method,
    reason: lockedBefore ? 'account_locked' : 'wrong_password',
    ip: caller.ip,
    ...(counted.locked_now && counted.locked_until !== null ? { locked_until: new Date(counted.locked_until).toISOString() } : {}),
  });
  return false;
}

/** The account a username (email, phone or username) and password sign in to. */
export async function signInWithPassword(
  deps: SigninDeps,
  caller: StorefrontCaller,
  input: { username: string; password: string; settings: PasswordSettings },
): Promise<Account> {
  const account = await findAccount(deps, caller.application_id, candidateIdentifiers(input.username, deps.defaultCountryCode));
  if (account === null) {
    await verifyAgainstDummy(input.password);
    throw invalidCredentials();
  }
  // A blocked account's count stays as it was: it is not signed in to, only told it is blocked.
  if (!(await checkPassword(deps, caller, account, input.password, 'password', input.settings, !account.state.blocked))) throw invalidCredentials();
  // Told only to someone who knows the password.
  if (account.state.blocked) throw blockedAccount();
  const hash = currentPasswordHash(account.state);
  if (hash !== undefined && needsRehash(hash)) {
    const rehashed = await hashPassword(input.password);
    const state = await changeCredentials(deps, caller.context('rehashPassword', account.user_id), account.user_id, {
      type: 'SetPassword',
      password_hash: rehashed,
      reason: 'rehash',
      reuses_recent_password: false,
      history_count: 0,
    });
    return { user_id: account.user_id, state };
  }
  return account;
}
