import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * One file holds the event log, the read models and the job table, so that an append and the
 * projections it feeds commit in one transaction (read-your-writes without waiting).
 */
export function openSqlite(file: string, synchronous: SqliteSynchronous = 'NORMAL'): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 16 MiB: the hot pages of 100,000 customers fit; 64 MiB only grew the resident set past its budget.
  db.pragma('cache_size = -16384');
  return db;
}
