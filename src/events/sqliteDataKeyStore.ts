import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../shared/sqlite.js';
import type { StoredDataKey, SyncDataKeyStore } from './dataKeys.js';

interface KeyRow {
  subject: string;
  wrapped_key: string | null;
}

const MAX_PENDING = 50_000;
const CHUNK = 500;

/**
 * Data keys in the embedded file, in a table of their own (the log never holds one).
 *
 * `deferCreates`: with the embedded event store a new key is written by `persistPendingSync`,
 * which the store calls inside the append's transaction, so a new person costs no commit of its
 * own and a key exists exactly when an event sealed with it does. Until then the key is pending
 * (in memory, answered by `get`); it is dropped only once an append that used it has committed.
 */
export class SqliteDataKeyStore implements SyncDataKeyStore {
  private readonly statements;
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly deferCreates = false,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
      subject TEXT PRIMARY KEY, wrapped_key TEXT, destroyed_at TEXT
    ) WITHOUT ROWID`);
    this.statements = {
      one: db.prepare<[string], KeyRow>('SELECT subject, wrapped_key FROM data_keys WHERE subject = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO data_keys (subject, wrapped_key) VALUES (?, ?)'),
      destroy: db.prepare(
        `INSERT INTO data_keys (subject, wrapped_key, destroyed_at) VALUES (?, NULL, ?)
         ON CONFLICT (subject) DO UPDATE SET wrapped_key = NULL, destroyed_at = excluded.destroyed_at`,
      ),
      many: new Map<number, Statement<string[], KeyRow>>(),
    };
  }

  getSync(subjects: string[]): Map<string, StoredDataKey> {
    const found = new Map<string, StoredDataKey>();
    if (subjects.length === 1) {
      const subject = subjects[0] ?? '';
      const row = this.statements.one.get(subject);
      if (row !== undefined) found.set(subject, toStored(row.wrapped_key));
    } else {
      for (let i = 0; i < subjects.length; i += CHUNK) {
        const chunk = subjects.slice(i, i + CHUNK);
        const rows = this.manyStatement(chunk.length).all(...chunk);
        for (const row of rows) found.set(row.subject, toStored(row.wrapped_key));
      }
    }
    for (const subject of subjects) {
      const wrapped = this.pending.get(subject);
      if (!found.has(subject) && wrapped !== undefined) found.set(subject, { wrapped });
    }
    return found;
  }

  async get(subjects: string[]): Promise<Map<string, StoredDataKey>> {
    return this.getSync(subjects);
  }

  async create(subject: string, wrapped: string): Promise<StoredDataKey> {
    const existing = this.getSync([subject]).get(subject);
    if (existing !== undefined) return existing;
    if (!this.deferCreates) {
      this.statements.insert.run(subject, wrapped);
      return this.getSync([subject]).get(subject) ?? { wrapped };
    }
    if (this.pending.size >= MAX_PENDING) {
      // The oldest pending keys belong to commands that gave up long ago; nothing was sealed with them.
      const oldest = this.pending.keys().next();
      if (oldest.done !== true) this.pending.delete(oldest.value);
    }
    this.pending.set(subject, wrapped);
    return { wrapped };
  }

  async destroy(subject: string): Promise<void> {
    this.pending.delete(subject);
    this.statements.destroy.run(subject, new Date().toISOString());
  }

  /** Inside the append transaction: writes the pending keys of the people these events are about. */
  persistPendingSync(subjects: Iterable<string>): void {
    for (const subject of subjects) {
      const wrapped = this.pending.get(subject);
      if (wrapped !== undefined) this.statements.insert.run(subject, wrapped);
    }
  }

  /** After the append committed: its keys are in the table now. */
  committed(subjects: Iterable<string>): void {
    for (const subject of subjects) this.pending.delete(subject);
  }

  private manyStatement(n: number) {
    let statement = this.statements.many.get(n);
    if (statement === undefined) {
      statement = this.db.prepare<string[], KeyRow>(`SELECT subject, wrapped_key FROM data_keys WHERE subject IN (${Array(n).fill('?').join(', ')})`);
      this.statements.many.set(n, statement);
    }
    return statement;
  }
}

const toStored = (wrapped: string | null): StoredDataKey => (wrapped === null ? { destroyed: true } : { wrapped });
