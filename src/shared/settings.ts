import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The embedded default keeps its token signing key beside its data, so tokens survive a
 * restart without any configuration. Production sets TOKEN_SIGNING_KEY, shared by all instances.
 */
export function loadOrCreateSigningKey(db: SqliteDatabase): string {
  return loadOrCreate(db, 'token_signing_key', () => randomBytes(48).toString('base64url'));
}

/** Same for the key that encrypts provider secrets and encrypted attribute values. */
export function loadOrCreateEncryptionKey(db: SqliteDatabase): string {
  return loadOrCreate(db, 'data_encryption_key', () => randomBytes(32).toString('hex'));
}

function loadOrCreate(db: SqliteDatabase, name: string, create: () => string): string {
  db.exec('CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  db.prepare('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(name, create());
  const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?').get(name);
  if (row === undefined) throw new Error(`setting ${name} missing after insert`);
  return row.value;
}
