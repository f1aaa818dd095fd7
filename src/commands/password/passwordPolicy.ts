import type { PlatformConfig } from '../platformConfig/configSchema.js';
import { isCommonPassword } from './commonPasswords.js';

export type PasswordSettings = PlatformConfig['password_settings'];

/**
 * One form for every password the service hashes or compares: NFKC, so that the same
 * characters typed on two keyboards are the same password (NIST SP 800-63B 5.1.1.2).
 */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

/** Length in characters (code points), not UTF-16 units or bytes. */
export const passwordLength = (password: string): number => [...normalizePassword(password)].length;

/**
 * Why a new password is refused, or null when it is acceptable (OWASP ASVS 2.1). Any Unicode
 * is allowed and nothing is truncated; `personal` lists values the password may not equal
 * (username, email, phone).
 */
export function passwordProblem(password: string, settings: PasswordSettings, personal: string[] = []): string | null {
  const normalized = normalizePassword(password);
  const length = passwordLength(normalized);
  if (length < settings.min_length) return `must be at least ${settings.min_length} characters`;
  if (length > settings.max_length) return `must be at most ${settings.max_length} characters`;
  if (settings.check_common_passwords && isCommonPassword(normalized)) return 'is too common: it appears in lists of breached passwords';
  const lower = normalized.toLowerCase();
  if (personal.some((value) => value.length > 0 && value.toLowerCase() === lower)) return 'must not be your username, email or phone number';
  if (settings.require_uppercase && !/\p{Lu}/u.test(normalized)) return 'must contain an upper-case letter';
  if (settings.require_lowercase && !/\p{Ll}/u.test(normalized)) return 'must contain a lower-case letter';
  if (settings.require_digit && !/\p{Nd}/u.test(normalized)) return 'must contain a digit';
  if (settings.require_special && !/[^\p{L}\p{Nd}]/u.test(normalized)) return 'must contain a character that is not a letter or a digit';
  return null;
}
