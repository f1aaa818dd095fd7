import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesFromPool } from '../shared/randomPool.js';
import { ERASED } from './erased.js';
import { mapPersonal, personalPathsOf } from './personalData.js';

export { ERASED };

/**
 * How an event's personal data looks in the log: each personal field holds a placeholder
 * `pii1:<kind>` (s: string, n: number, b: boolean, a: array, o: object), and the values
 * themselves, in field order, are one AES-256-GCM ciphertext in the envelope's
 * `metadata.sealed` (`<base64 of iv | tag | ciphertext>`). One cipher per event rather than per
 * field: the cost of a cipher is mostly its setup. The kind stays in clear so that an erased
 * value can be replaced by a marker of the same shape, which the event's schema still accepts.
 */
const PREFIX = 'pii1:';
const KINDS = ['s', 'n', 'b', 'a', 'o'] as const;
type Kind = (typeof KINDS)[number];

/** The data key of a person, or the fact that it was destroyed. */
export type SubjectKey = Buffer | 'erased';

export class MissingDataKeyError extends Error {
  constructor() {
    super('no data key for a person whose events are encrypted; the key store is not the one the log was written with');
    this.name = 'MissingDataKeyError';
  }
}

export interface SealedData {
  data: unknown;
  /** The ciphertext of the personal values; absent when there were none, or the person is erased. */
  sealed?: string;
}

function kindOf(value: unknown): Kind {
  if (typeof value === 'string') return 's';
  if (typeof value === 'number') return 'n';
  if (typeof value === 'boolean') return 'b';
  return Array.isArray(value) ? 'a' : 'o';
}

/** The marker for a value of this kind: strings say so; others are the empty value of their type. */
export function erasedValue(kind: Kind): unknown {
  switch (kind) {
    case 's':
      return ERASED;
    case 'n':
      return 0;
    case 'b':
      return false;
    case 'a':
      return [];
    case 'o':
      return {};
  }
}

const placeholderKind = (value: unknown): Kind | undefined => {
  if (typeof value !== 'string' || value.length !== PREFIX.length + 1 || !value.startsWith(PREFIX)) return undefined;
  const kind = value.charAt(PREFIX.length) as Kind;
  return KINDS.includes(kind) ? kind : undefined;
};

export const hasPersonalFields = (type: string): boolean => personalPathsOf(type).length > 0;

/**
 * `binding` (the person and the event id) is authenticated with the ciphertext: sealed values
 * copied into another event or another person's event do not open.
 */
export function sealEvent(type: string, data: unknown, key: SubjectKey, binding: string): SealedData {
  const values: unknown[] = [];
  const out = mapPersonal(type, data, (value) => {
    if (value === undefined || value === null) return value;
    // An erased person's values go in as markers, never in clear.
    if (key === 'erased') return erasedValue(kindOf(value));
    values.push(value);
    return `${PREFIX}${kindOf(value)}`;
  });
  if (key === 'erased' || values.length === 0) return { data: out };
  const iv = randomBytesFromPool(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(binding, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return { data: out, sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
}

/**
 * The event's data with its personal values back, or the erased markers. Throws when the key is
 * missing or not the one the values were sealed with: that is a fault, not an erasure.
 */
export function openEvent(type: string, data: unknown, sealed: string | undefined, key: SubjectKey | undefined, binding: string): unknown {
  if (sealed === undefined) return data;
  if (key === undefined) throw new MissingDataKeyError();
  if (key === 'erased') {
    return mapPersonal(type, data, (value) => {
      const kind = placeholderKind(value);
      return kind === undefined ? value : erasedValue(kind);
    });
  }
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(binding, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  const values = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as unknown[];
  let next = 0;
  return mapPersonal(type, data, (value) => (placeholderKind(value) === undefined ? value : values[next++]));
}
