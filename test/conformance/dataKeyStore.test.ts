import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeys, type DataKeyStore } from '../../src/events/dataKeys.js';
import { MongoDataKeyStore } from '../../src/events/mongoDataKeyStore.js';
import { SqliteDataKeyStore } from '../../src/events/sqliteDataKeyStore.js';
import { FieldCipher } from '../../src/shared/fieldCipher.js';
import { openSqlite } from '../../src/shared/sqlite.js';

interface Opened {
  store: DataKeyStore;
  cleanup(): Promise<void>;
}

const master = new FieldCipher(randomBytes(32).toString('hex'));

function dataKeyStoreConformance(name: string, open: () => Promise<Opened>, skipBecause?: string): void {
  describe.skipIf(skipBecause !== undefined)(`data key store conformance: ${name}${skipBecause === undefined ? '' : ` (skipped: ${skipBecause})`}`, () => {
    let opened: Opened;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => opened.cleanup());

    it('keeps the first key created for a person, even when two create at once', async () => {
      const subject = `s-${randomBytes(6).toString('hex')}`;
      const [a, b] = await Promise.all([opened.store.create(subject, 'wrapped-a'), opened.store.create(subject, 'wrapped-b')]);
      expect(a).toEqual(b);
      expect((await opened.store.get([subject])).get(subject)).toEqual(a);
    });

    it('destroys a key for good: a tombstone stays, and creating again does not bring a key back', async () => {
      const subject = `s-${randomBytes(6).toString('hex')}`;
      const other = `s-${randomBytes(6).toString('hex')}`;
      await opened.store.create(subject, 'wrapped');
      await opened.store.create(other, 'wrapped-other');
      await opened.store.destroy(subject);
      expect(await opened.store.create(subject, 'new')).toEqual({ destroyed: true });
      const found = await opened.store.get([subject, other, 'nobody']);
      expect(found.get(subject)).toEqual({ destroyed: true });
      expect(found.get(other)).toEqual({ wrapped: 'wrapped-other' });
      expect(found.has('nobody')).toBe(false);
    });

    it('serves unwrapped keys through the cache, and an erased person as erased, across instances', async () => {
      const subject = `s-${randomBytes(6).toString('hex')}`;
      const keys = new DataKeys(opened.store, master, { cacheSize: 2 });
      const written = (await keys.forWriting([subject])).get(subject);
      expect(Buffer.isBuffer(written)).toBe(true);
      // Another instance, with its own cache, unwraps the same key.
      const elsewhere = new DataKeys(opened.store, master);
      expect((await elsewhere.forReading([subject])).get(subject)).toEqual(written);
      await keys.destroy(subject);
      expect((await new DataKeys(opened.store, master).forReading([subject])).get(subject)).toBe('erased');
      expect((await keys.forWriting([subject])).get(subject)).toBe('erased');
    });
  });
}

dataKeyStoreConformance('SQLite (embedded)', async () => {
  const db = openSqlite(':memory:');
  return { store: new SqliteDataKeyStore(db), cleanup: async () => void db.close() };
});

const mongoUrl = process.env.MONGODB_URL?.trim() || undefined;
const mongoMissing = mongoUrl === undefined ? 'MONGODB_URL is not set' : undefined;
if (mongoMissing !== undefined) console.warn(`SKIPPED: MongoDB data key store conformance suite (${mongoMissing}; set it to run against a server)`);
dataKeyStoreConformance(
  'MongoDB',
  async () => {
    if (mongoUrl === undefined) throw new Error(mongoMissing);
    const client = await MongoClient.connect(mongoUrl);
    const db = client.db(`user_service_keys_${randomBytes(6).toString('hex')}`);
    return {
      store: new MongoDataKeyStore(db),
      cleanup: async () => {
        await db.dropDatabase();
        await client.close();
      },
    };
  },
  mongoMissing,
);

describe('DataKeys cache', () => {
  it('stays within its bound and still answers for people it dropped', async () => {
    const db = openSqlite(':memory:');
    const store = new SqliteDataKeyStore(db);
    let reads = 0;
    const counting: DataKeyStore = {
      get: async (subjects) => {
        reads += 1;
        return store.get(subjects);
      },
      create: (s, w) => store.create(s, w),
      destroy: (s) => store.destroy(s),
    };
    const keys = new DataKeys(counting, master, { cacheSize: 3 });
    const people = ['p1', 'p2', 'p3', 'p4'];
    const first = await keys.forWriting(people);
    reads = 0;
    expect((await keys.forReading(['p4'])).get('p4')).toEqual(first.get('p4'));
    expect(reads).toBe(0);
    expect((await keys.forReading(['p1'])).get('p1')).toEqual(first.get('p1'));
    expect(reads).toBe(1);
    db.close();
  });
});
