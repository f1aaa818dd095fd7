import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from './sqlite.js';

/**
 * The embedded default keeps its token signing key beside its data, so tokens survive a
 * restart without any configuration. Production sets TOKEN_SIGNING_KEY, shared by all instances.
 */
export function loadOrCreateSigningKey(db: SqliteDatabase): string {
  db.exec('CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  db.prepare("INSERT OR IGNORE INTO settings (name, value) VALUES ('token_signing_key', ?)").run(randomBytes(48).toString('base64url'));
  const row = db.prepare<[], { value: string }>("SELECT value FROM settings WHERE name = 'token_signing_key'").get();
  if (row === undefined) throw new Error('token signing key missing after insert');
  return row.value;
}
