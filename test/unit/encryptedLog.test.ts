import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EncryptingEventStore } from '../../src/events/encryptingEventStore.js';
import { openEncryptedLog } from '../../src/events/encryptedLog.js';
import type { NewEvent, StoredEvent } from '../../src/events/envelope.js';
import { WrongExpectedRevisionError } from '../../src/events/eventStore.js';
import { ERASED } from '../../src/events/personalDataCodec.js';
import { MongoDataKeyStore } from '../../src/events/mongoDataKeyStore.js';
import { FieldCipher } from '../../src/shared/fieldCipher.js';
import { eventStoreDbFactory } from '../support/remoteAdapters.js';
import { openSqlite, type SqliteDatabase } from '../../src/shared/sqlite.js';

const metadata = { company_id: '1', application_id: 'a1', actor: { type: 'system' as const, id: 'test' }, correlation_id: 'c' };
let n = 0;
const event = (type: string, data: unknown): NewEvent => ({
  id: `e-${(n += 1)}-${randomBytes(4).toString('hex')}`,
  type,
  version: 1,
  data,
  metadata,
  occurred_at: new Date(0).toISOString(),
});
const created = (userId: string, email: string) =>
  event('UserCreated', {
    user_id: userId,
    application_id: 'a1',
    company_id: '1',
    username: `${userId}-name`,
    first_name: 'Grace',
    meta: {},
    phone_numbers: [],
    emails: [{ email, active: true, primary: true, verified: false }],
    account_type: 'user',
  });

let db: SqliteDatabase;
let log: EncryptingEventStore;
let seen: StoredEvent[];
const cipher = new FieldCipher(randomBytes(32).toString('hex'));

beforeEach(() => {
  db = openSqlite(':memory:');
  seen = [];
  log = openEncryptedLog({ db, cipher, inlineProjector: (events) => seen.push(...events) });
});
afterEach(() => db.close());

const rawData = () => db.prepare<[], { data: string }>('SELECT data FROM events ORDER BY position').all().map((r) => r.data).join('\n');
const keyRows = () => db.prepare<[], { subject: string; wrapped_key: string | null }>('SELECT subject, wrapped_key FROM data_keys').all();

describe('encrypted event log (embedded)', () => {
  it('reads a stream sealed when asked: the fields that say nothing personal in clear, the personal ones encrypted', async () => {
    await log.append([{ stream: 'user-u9', expectedRevision: 'no_stream', events: [created('u9', 'ada@example.com')] }]);
    const [sealed] = await log.readStream('user-u9', { personalData: 'sealed' });
    expect(sealed?.data).toMatchObject({ user_id: 'u9', application_id: 'a1' });
    expect(JSON.stringify(sealed?.data)).not.toContain('ada@example.com');
    expect(sealed?.metadata.sealed).toBeDefined();
    const [opened] = await log.readStream('user-u9', { personalData: 'open' });
    expect(opened?.data).toMatchObject({ emails: [{ email: 'ada@example.com' }] });
  });

  it('stores ciphertext, gives inline projections and readers the clear events', async () => {
    await log.append([{ stream: 'user-u1', expectedRevision: 'no_stream', events: [created('u1', 'grace@example.com')] }]);
    expect(rawData()).not.toContain('grace@example.com');
    expect(rawData()).not.toContain('Grace');
    expect(seen[0]?.data).toMatchObject({ first_name: 'Grace', emails: [{ email: 'grace@example.com' }] });
    expect((await log.readStream('user-u1'))[0]?.data).toMatchObject({ first_name: 'Grace' });
    expect(log.readAllSync({ limit: 10 })[0]?.data).toMatchObject({ first_name: 'Grace' });
    // The key is wrapped with the master key, never stored in clear.
    const [row] = keyRows();
    expect(row?.subject).toBe('u1');
    expect(row?.wrapped_key).toMatch(/^enc:v1:/);
  });

  it('writes a new person’s key with the append that uses it, and not when that append is rejected', async () => {
    await log.append([{ stream: 'user-u2', expectedRevision: 'no_stream', events: [event('UserBlocked', { reason: 'x' })] }]);
    await expect(
      log.append([{ stream: 'user-u2', expectedRevision: 'no_stream', events: [created('u2', 'late@example.com')] }]),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(keyRows()).toEqual([]);
    await log.append([{ stream: 'user-u2', expectedRevision: 0, events: [created('u2', 'late@example.com')] }]);
    expect(keyRows().map((r) => r.subject)).toEqual(['u2']);
    // A fresh process (no pending keys, no cache) still opens the event.
    const reopened = openEncryptedLog({ db, cipher });
    expect((await reopened.readStream('user-u2'))[1]?.data).toMatchObject({ emails: [{ email: 'late@example.com' }] });
  });

  it('reads an erased person as markers, leaves others readable, and writes no clear data for them afterwards', async () => {
    await log.append([{ stream: 'user-u3', expectedRevision: 'no_stream', events: [created('u3', 'gone@example.com')] }]);
    await log.append([{ stream: 'user-u4', expectedRevision: 'no_stream', events: [created('u4', 'stays@example.com')] }]);
    await log.keys.destroy('u3');
    const fresh = openEncryptedLog({ db, cipher });
    expect((await fresh.readStream('user-u3'))[0]?.data).toMatchObject({ first_name: ERASED, emails: [{ email: ERASED }] });
    expect((await fresh.readStream('user-u4'))[0]?.data).toMatchObject({ emails: [{ email: 'stays@example.com' }] });
    await log.append([{ stream: 'user-u3', expectedRevision: 0, events: [event('UserLoginFailed', { attempt: 1, method: 'password', reason: 'wrong_password', ip: '198.51.100.7' })] }]);
    expect(rawData()).not.toContain('198.51.100.7');
    expect(seen.at(-1)?.data).toMatchObject({ ip: ERASED }); // nor do the inline read models see it
    expect((await fresh.readStream('user-u3'))[1]?.data).toMatchObject({ ip: ERASED });
    // Failures live in their own stream; the user id in their data names whose key seals them.
    const failure = event('UserLoginFailed', { user_id: 'u3', attempt: 2, method: 'password', reason: 'wrong_password', ip: '198.51.100.8' });
    await log.append([{ stream: 'signInFailures-u3', expectedRevision: 'any', events: [failure] }]);
    expect(rawData()).not.toContain('198.51.100.8');
    expect((await fresh.readStream('signInFailures-u3'))[0]?.data).toMatchObject({ ip: ERASED });
  });

  it('refuses to read with a different master key rather than showing wrong data', async () => {
    await log.append([{ stream: 'user-u5', expectedRevision: 'no_stream', events: [created('u5', 'x@example.com')] }]);
    const wrong = openEncryptedLog({ db, cipher: new FieldCipher(randomBytes(32).toString('hex')) });
    await expect(wrong.readStream('user-u5')).rejects.toThrow();
  });
});

const esdb = eventStoreDbFactory();
const mongoUrl = process.env.MONGODB_URL?.trim() || undefined;
const remoteMissing = esdb === undefined || mongoUrl === undefined ? 'EVENTSTORE_URL and MONGODB_URL must both be set' : undefined;
if (remoteMissing !== undefined) console.warn(`SKIPPED: encrypted log on EventStoreDB with keys in MongoDB (${remoteMissing})`);
describe.skipIf(remoteMissing !== undefined)(`encrypted event log (EventStoreDB, keys in MongoDB)${remoteMissing === undefined ? '' : ` (skipped: ${remoteMissing})`}`, () => {
  it('stores no clear data in EventStoreDB, reads it back, and reads an erased person as markers', async () => {
    if (esdb === undefined || mongoUrl === undefined) throw new Error(remoteMissing);
    const client = await MongoClient.connect(mongoUrl);
    const keysDb = client.db(`user_service_keys_${randomBytes(6).toString('hex')}`);
    const remoteLog = await esdb();
    const local = openSqlite(':memory:');
    try {
      const remote = openEncryptedLog({ db: local, cipher, remoteLog, remoteKeys: new MongoDataKeyStore(keysDb) });
      const userId = `u${randomBytes(6).toString('hex')}`;
      await remote.append([{ stream: `user-${userId}`, expectedRevision: 'no_stream', events: [created(userId, `${userId}@example.com`)] }]);
      const stored = await remoteLog.readStream(`user-${userId}`);
      expect(JSON.stringify(stored[0]?.data)).not.toContain(`${userId}@example.com`);
      expect((await remote.readStream(`user-${userId}`))[0]?.data).toMatchObject({ emails: [{ email: `${userId}@example.com` }] });
      await remote.keys.destroy(userId);
      const elsewhere = openEncryptedLog({ db: local, cipher, remoteLog, remoteKeys: new MongoDataKeyStore(keysDb) });
      expect((await elsewhere.readStream(`user-${userId}`))[0]?.data).toMatchObject({ emails: [{ email: ERASED }] });
    } finally {
      await remoteLog.close();
      await keysDb.dropDatabase();
      await client.close();
      local.close();
    }
  });
});
