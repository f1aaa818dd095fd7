import type { SqliteDatabase } from '../shared/sqlite.js';
import type { FieldCipher } from '../shared/fieldCipher.js';
import { DataKeys, type DataKeyOptions, type DataKeyStore } from './dataKeys.js';
import { EncryptingEventStore, subjectsOf } from './encryptingEventStore.js';
import type { StoredEvent } from './envelope.js';
import type { EventStore } from './eventStore.js';
import { SqliteDataKeyStore } from './sqliteDataKeyStore.js';
import { SqliteEventStore, type InlineCheckpoint, type InlineProjector } from './sqliteEventStore.js';

export interface EncryptedLogOptions {
  db: SqliteDatabase;
  /** Wraps the data keys (DATA_ENCRYPTION_KEY). */
  cipher: FieldCipher;
  /** EventStoreDB in production; the embedded store otherwise. */
  remoteLog?: EventStore;
  /** MongoDB in production; the embedded table otherwise. */
  remoteKeys?: DataKeyStore;
  /** The embedded read models, run inside the append transaction on the opened (clear) events. */
  inlineProjector?: InlineProjector;
  /** Their checkpoints, moved once per committed group. */
  inlineCheckpoint?: InlineCheckpoint;
  cache?: DataKeyOptions;
}

/**
 * The event log behind the codec that encrypts personal data per person. With the embedded
 * store and key table, a new person's key is written in the same transaction as the first event
 * sealed with it: no commit of its own, and never a sealed event without its key.
 */
export function openEncryptedLog(options: EncryptedLogOptions): EncryptingEventStore {
  const { db, remoteLog, remoteKeys, inlineProjector, inlineCheckpoint } = options;
  const keyStore: DataKeyStore = remoteKeys ?? new SqliteDataKeyStore(db, remoteLog === undefined);
  const deferredKeys = keyStore instanceof SqliteDataKeyStore && remoteLog === undefined ? keyStore : undefined;
  const keys = new DataKeys(keyStore, options.cipher, options.cache);
  // Called only inside appends, which come after `encrypted` exists.
  const inTransaction = (events: StoredEvent[]): void => {
    deferredKeys?.persistPendingSync(subjectsOf(events));
    if (inlineProjector !== undefined) inlineProjector(encrypted.openSync(events));
  };
  const inner = remoteLog ?? new SqliteEventStore(db, inTransaction, inlineCheckpoint);
  const encrypted = new EncryptingEventStore(inner, keys, deferredKeys === undefined ? {} : { onCommitted: (subjects) => deferredKeys.committed(subjects) });
  return encrypted;
}
