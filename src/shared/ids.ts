import { createHash, randomBytes } from 'node:crypto';
import { randomBytesFromPool } from './randomPool.js';

export interface IdGenerator {
  /** A MongoDB-style 24-hex-character id: 4 bytes of seconds, then 8 random or counted bytes. */
  objectId(): string;
  /** An opaque random token with the given number of bytes of entropy, base64url encoded. */
  token(bytes?: number): string;
}

export function createRandomIds(clockNow: () => Date = () => new Date()): IdGenerator {
  let counter = randomBytes(3).readUIntBE(0, 3);
  const processPart = randomBytes(5).toString('hex');
  return {
    objectId() {
      counter = (counter + 1) % 0xffffff;
      const seconds = Math.floor(clockNow().getTime() / 1000);
      return seconds.toString(16).padStart(8, '0') + processPart + counter.toString(16).padStart(6, '0');
    },
    token(bytes = 32) {
      // From the pool: a generator call of its own cost a session start more than its hashing.
      return randomBytesFromPool(bytes).toString('base64url');
    },
  };
}

/**
 * Event ids derived from the command and the event's place, so that re-sending the same append
 * (after a timeout, say) is recognised by the store as the same write rather than a new one.
 */
export function deterministicEventId(commandId: string, stream: string, index: number): string {
  const h = createHash('sha256').update(`${commandId}\u0000${stream}\u0000${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
