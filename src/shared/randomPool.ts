import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Cryptographically random bytes drawn from a pool filled 4 KiB at a time: one call to the
 * generator per few hundred IVs instead of one each, on the path of every write with personal
 * data. The pool is replaced, never refilled in place, so bytes handed out never change.
 */
export function randomBytesFromPool(size: number): Buffer {
  if (size > POOL_SIZE) return randomFillSync(Buffer.allocUnsafe(size));
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + size);
  offset += size;
  return bytes;
}
