import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ARGON2_OPTIONS, verifySecret } from '../../shared/secrets.js';
import { normalizePassword } from './passwordPolicy.js';

/**
 * At most one hash per core at a time. libuv's pool has 4 threads whatever the core count; on
 * fewer cores, extra hashes in flight only fight over the CPU and the caches (each needs 19 MiB),
 * and the other work of the pool waits behind them. Queued hashes wait here instead.
 */
const SLOTS = Math.max(1, availableParallelism());
let running = 0;
const waiting: Array<() => void> = [];

async function oneAtATimePerCore<T>(work: () => Promise<T>): Promise<T> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next();
  }
}

/**
 * argon2id in PHC format (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`): the parameters travel
 * with each hash, so they can be raised later and old hashes rehashed at the next sign-in.
 */
export const hashPassword = (password: string): Promise<string> =>
  oneAtATimePerCore(() => argon2.hash(normalizePassword(password), ARGON2_OPTIONS));

export const verifyPassword = (hash: string, password: string): Promise<boolean> =>
  oneAtATimePerCore(() => verifySecret(hash, normalizePassword(password)));

/** How argon2.hash writes today's parameters (m, p, t in that order); the salt and the hash follow. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_OPTIONS.memoryCost},p=${ARGON2_OPTIONS.parallelism},t=${ARGON2_OPTIONS.timeCost}$`;

/** Whether a stored hash was made with other parameters than today's. */
export function needsRehash(hash: string): boolean {
  // Every sign-in asks; a hash made today answers from its prefix, without parsing the PHC string.
  if (hash.startsWith(CURRENT_PREFIX)) return false;
  try {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  } catch {
    return true;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, so an unknown or locked account answers
 * as slowly as a wrong password (no timing oracle for account existence).
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= argon2.hash(randomBytes(32).toString('hex'), ARGON2_OPTIONS);
  await verifyPassword(await dummy, password);
  return false;
}
