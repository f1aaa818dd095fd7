import { randomBytesFromPool } from '../shared/randomPool.js';
import type { FieldCipher } from '../shared/fieldCipher.js';
import type { SubjectKey } from './personalDataCodec.js';

/** A person's data key as stored: wrapped with the master key, or a tombstone once destroyed. */
export type StoredDataKey = { wrapped: string } | { destroyed: true };

/**
 * Where per-person data keys live, apart from the event log: destroying a key is what erases a
 * person from a log that is never rewritten. The SQLite table in the embedded default, a MongoDB
 * collection in production (test/conformance/dataKeyStore.test.ts runs both).
 */
export interface DataKeyStore {
  get(subjects: string[]): Promise<Map<string, StoredDataKey>>;
  /** Stores the key unless the subject has one (or a tombstone): returns what is stored afterwards. */
  create(subject: string, wrapped: string): Promise<StoredDataKey>;
  /** Replaces the key by a tombstone, so that no new key is ever made for this person. */
  destroy(subject: string): Promise<void>;
}

/** A store that can also answer without awaiting (the embedded one, inside the append transaction). */
export interface SyncDataKeyStore extends DataKeyStore {
  getSync(subjects: string[]): Map<string, StoredDataKey>;
}

export interface DataKeyOptions {
  /** Unwrapped keys kept in memory; every read of an event with personal data needs its person's key. */
  cacheSize?: number;
  /**
   * How long a cached key is trusted. Bounds how long another instance keeps decrypting after an
   * erasure made elsewhere (its cache still holds the key).
   */
  cacheTtlMs?: number;
  now?: () => number;
}

interface Cached {
  key: SubjectKey;
  at: number;
}

/** Creates, unwraps, caches and destroys data keys; the codec's only way to them. */
export class DataKeys {
  private readonly cache = new Map<string, Cached>();
  private readonly cacheSize: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    readonly store: DataKeyStore,
    private readonly master: FieldCipher,
    options: DataKeyOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.ttlMs = options.cacheTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The keys of these people for reading; a person with no key is absent from the result. */
  async forReading(subjects: Iterable<string>): Promise<Map<string, SubjectKey>> {
    const { found, missing } = this.fromCache(subjects);
    if (missing.length > 0) this.remember(found, await this.store.get(missing));
    return found;
  }

  /** Same, answered synchronously: only for a store that can (the embedded one). */
  forReadingSync(subjects: Iterable<string>): Map<string, SubjectKey> {
    const { found, missing } = this.fromCache(subjects);
    if (missing.length > 0) {
      if (!isSync(this.store)) throw new Error('this data key store cannot be read synchronously');
      this.remember(found, this.store.getSync(missing));
    }
    return found;
  }

  /** The keys to write with: a person without one gets one now (a destroyed key stays destroyed). */
  async forWriting(subjects: Iterable<string>): Promise<Map<string, SubjectKey>> {
    const found = await this.forReading(subjects);
    for (const subject of subjects) {
      if (found.has(subject)) continue;
      const key = Buffer.from(randomBytesFromPool(32));
      const stored = await this.store.create(subject, this.master.encrypt(key.toString('base64')));
      const resolved = this.unwrap(stored);
      this.put(subject, resolved);
      found.set(subject, resolved);
    }
    return found;
  }

  async destroy(subject: string): Promise<void> {
    await this.store.destroy(subject);
    this.put(subject, 'erased');
  }

  private fromCache(subjects: Iterable<string>): { found: Map<string, SubjectKey>; missing: string[] } {
    const found = new Map<string, SubjectKey>();
    const missing: string[] = [];
    const now = this.now();
    for (const subject of new Set(subjects)) {
      const hit = this.cache.get(subject);
      if (hit !== undefined && now - hit.at < this.ttlMs) {
        // Re-inserted so that Map order is least recently used first.
        this.cache.delete(subject);
        this.cache.set(subject, hit);
        found.set(subject, hit.key);
      } else {
        missing.push(subject);
      }
    }
    return { found, missing };
  }

  private remember(found: Map<string, SubjectKey>, stored: Map<string, StoredDataKey>): void {
    for (const [subject, entry] of stored) {
      const key = this.unwrap(entry);
      this.put(subject, key);
      found.set(subject, key);
    }
  }

  private put(subject: string, key: SubjectKey): void {
    this.cache.delete(subject);
    this.cache.set(subject, { key, at: this.now() });
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
  }

  private unwrap(entry: StoredDataKey): SubjectKey {
    if ('destroyed' in entry) return 'erased';
    return Buffer.from(this.master.decrypt(entry.wrapped), 'base64');
  }
}

const isSync = (store: DataKeyStore): store is SyncDataKeyStore => typeof (store as Partial<SyncDataKeyStore>).getSync === 'function';
