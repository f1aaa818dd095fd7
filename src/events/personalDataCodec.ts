import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ERASED } from './erased.js';
import { mapPersonal, personalPathsOf } from './personalData.js';

/**
 * How a personal value looks in the log: `pii1:<kind>:<base64 of iv | tag | ciphertext>`. The
 * kind (s: string, n: number, b: boolean, a: array, o: object) is in clear so that an erased
 * value can be replaced by a marker of the same shape, which the event's schema still accepts.
 */
const PREFIX = 'pii1:';
const KINDS = { s: '', n: 0, b: false, a: [], o: {} } as const;
type Kind = keyof typeof KINDS;

export { ERASED };

/** The data key of a person, or the fact that it was destroyed. */
export type SubjectKey = Buffer | 'erased';

export class MissingDataKeyError extends Error {
  constructor(readonly subject: string) {
    super(`no data key for a person whose events are encrypted; the key store is not the one the log was written with`);
    this.name = 'MissingDataKeyError';
  }
}

function kindOf(value: unknown): Kind {
  if (typeof value === 'string') return 's';
  if (typeof value === 'number') return 'n';
  if (typeof value === 'boolean') return 'b';
  return Array.isArray(value) ? 'a' : 'o';
}

/** The marker for a value of this kind: strings say so; others are the empty value of their type. */
export function erasedValue(kind: Kind): unknown {
  if (kind === 's') return ERASED;
  const empty = KINDS[kind];
  return Array.isArray(empty) ? [] : typeof empty === 'object' ? {} : empty;
}

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

/** The subject is bound as associated data: a value copied into another person's event does not open. */
export function seal(value: unknown, key: Buffer, subject: string): string {
  const kind = kindOf(value);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subject, 'utf8'));
  const plain = kind === 's' ? (value as string) : JSON.stringify(value);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${PREFIX}${kind}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** Throws when the key is not the one the value was sealed with: a wrong key is a fault, not an erasure. */
export function open(sealed: string, key: SubjectKey, subject: string): unknown {
  const kind = sealed.charAt(PREFIX.length) as Kind;
  if (key === 'erased') return erasedValue(kind);
  const raw = Buffer.from(sealed.slice(PREFIX.length + 2), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(subject, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  return kind === 's' ? plain : (JSON.parse(plain) as unknown);
}

export const hasPersonalFields = (type: string): boolean => personalPathsOf(type).length > 0;

/** Seals every declared personal value; an erased person's values go in as markers, never in clear. */
export function sealEvent(type: string, data: unknown, key: SubjectKey, subject: string): unknown {
  return mapPersonal(type, data, (value) => {
    if (value === undefined || value === null || isSealed(value)) return value;
    return key === 'erased' ? erasedValue(kindOf(value)) : seal(value, key, subject);
  });
}

/** Whether any declared personal value of this event is sealed (events from before encryption are not). */
export function isSealedEvent(type: string, data: unknown): boolean {
  let found = false;
  mapPersonal(type, data, (value) => {
    if (isSealed(value)) found = true;
    return value;
  });
  return found;
}

/** Opens every sealed value; with `key` undefined a sealed value is an error (the key store was lost or swapped). */
export function openEvent(type: string, data: unknown, key: SubjectKey | undefined, subject: string): unknown {
  return mapPersonal(type, data, (value) => {
    if (!isSealed(value)) return value;
    if (key === undefined) throw new MissingDataKeyError(subject);
    return open(value, key, subject);
  });
}
