import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { isCommonPassword } from '../../src/commands/password/commonPasswords.js';
import { hashPassword, needsRehash, verifyPassword } from '../../src/commands/password/passwordHasher.js';
import { passwordLength, passwordProblem } from '../../src/commands/password/passwordPolicy.js';
import { defaultPlatformConfig } from '../../src/commands/platformConfig/defaults.js';

const settings = defaultPlatformConfig().password_settings;

describe('password policy (OWASP ASVS 2.1)', () => {
  it('accepts 8 characters and refuses 7', () => {
    expect(passwordProblem('tr4vel-x', settings)).toBeNull();
    expect(passwordProblem('tr4vel-', settings)).toBe('must be at least 8 characters');
  });

  it('counts characters, not bytes or UTF-16 units, and takes any Unicode', () => {
    const emoji = '🔑🌍🚲🎻🐙🍀🧭🪁';
    expect(passwordLength(emoji)).toBe(8);
    expect(passwordProblem(emoji, settings)).toBeNull();
    expect(passwordProblem('пароль-горы', settings)).toBeNull();
    expect(passwordProblem('密码很长的一句话呢', settings)).toBeNull();
  });

  it('allows at least 64 characters and refuses more than max_length', () => {
    expect(passwordProblem('a long passphrase '.repeat(7).slice(0, 128), settings)).toBeNull();
    expect(passwordProblem('x'.repeat(129) + 'Y1', settings)).toBe('must be at most 128 characters');
  });

  it('refuses common and breached passwords, whatever their case, unless the check is off', () => {
    expect(isCommonPassword('password')).toBe(true);
    expect(isCommonPassword('PassWord')).toBe(true);
    expect(isCommonPassword('iloveyou2')).toBe(true);
    expect(passwordProblem('Password1', settings)).toContain('too common');
    expect(passwordProblem('Password1', { ...settings, check_common_passwords: false })).toBeNull();
    expect(isCommonPassword('marmalade-kettle-41')).toBe(false);
  });

  it('refuses the username, email or phone as the password', () => {
    expect(passwordProblem('Ann@Example.com', settings, ['ann@example.com'])).toContain('must not be');
  });

  it('applies the character classes a channel turns on', () => {
    const strict = { ...settings, require_uppercase: true, require_digit: true, require_special: true, require_lowercase: true };
    expect(passwordProblem('lowercase only here', strict)).toBe('must contain an upper-case letter');
    expect(passwordProblem('Upper no digits', strict)).toBe('must contain a digit');
    expect(passwordProblem('Upper1nodigitsym', strict)).toContain('not a letter or a digit');
    expect(passwordProblem('Upper1 with space', strict)).toBeNull();
  });
});

describe('password hashing', () => {
  it('stores argon2id in PHC format with m=19 MiB, t=2, p=1, and does not truncate', async () => {
    const long = 'k'.repeat(200);
    const hash = await hashPassword(long);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, long)).toBe(true);
    expect(await verifyPassword(hash, long.slice(0, 199))).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('treats canonically equal Unicode as the same password (NFKC)', async () => {
    const hash = await hashPassword('café au lait');
    expect(await verifyPassword(hash, 'cafe\u0301 au lait')).toBe(true);
  });

  it('asks for a rehash when a stored hash used weaker parameters, and still verifies it', async () => {
    const weaker = await argon2.hash('old parameters here', { type: argon2.argon2id, memoryCost: 4096, timeCost: 2, parallelism: 1 });
    expect(needsRehash(weaker)).toBe(true);
    expect(await verifyPassword(weaker, 'old parameters here')).toBe(true);
  });
});
