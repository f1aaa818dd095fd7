import { GroupCommit, type Outcome } from '../../shared/groupCommit.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import type { SessionRecord, SessionStore } from './sessionStore.js';

interface Row extends Omit<SessionRecord, 'rolling'> {
  rolling: number;
}

/** Field by field: rest-and-spread copying of the row cost this per-request lookup a third of its time. */
const toRecord = (row: Row): SessionRecord => ({
  session_id: row.session_id,
  token_hash: row.token_hash,
  user_id: row.user_id,
  application_id: row.application_id,
  domain: row.domain,
  user_agent: row.user_agent,
  ip: row.ip,
  created_at: row.created_at,
  expires_at: row.expires_at,
  duration_ms: row.duration_ms,
  rolling: row.rolling === 1,
});

export class SqliteSessionStore implements SessionStore {
  private readonly statements;
  private saves = 0;
  private readonly saving = new GroupCommit<SessionRecord, void>((records) => this.writeGroup(records));

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        session_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
        application_id TEXT NOT NULL, domain TEXT NOT NULL, user_agent TEXT NOT NULL, ip TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL, rolling INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (application_id, user_id);
      CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
    `);
    this.statements = {
      insert: db.prepare(
        `INSERT INTO sessions (session_id, token_hash, user_id, application_id, domain, user_agent, ip, created_at, expires_at, duration_ms, rolling)
         VALUES (@session_id, @token_hash, @user_id, @application_id, @domain, @user_agent, @ip, @created_at, @expires_at, @duration_ms, @rolling)`,
      ),
      byToken: db.prepare<[string, number], Row>('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?'),
      extend: db.prepare('UPDATE sessions SET expires_at = ? WHERE session_id = ? AND expires_at > ?'),
      byUser: db.prepare<[string, string, number], Row>(
        'SELECT * FROM sessions WHERE application_id = ? AND user_id = ? AND expires_at > ? ORDER BY created_at',
      ),
      removeOne: db.prepare('DELETE FROM sessions WHERE application_id = ? AND user_id = ? AND session_id = ?'),
      purge: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    };
    this.removeMany = db.transaction((applicationId: string, userId: string, ids: string[]) =>
      ids.filter((id) => this.statements.removeOne.run(applicationId, userId, id).changes > 0),
    );
    this.insertMany = db.transaction((records: SessionRecord[]) => {
      for (const record of records) this.insertOne(record);
    });
  }

  private readonly insertMany: (records: SessionRecord[]) => void;

  private readonly removeMany: (applicationId: string, userId: string, ids: string[]) => string[];

  /**
   * Saves that arrive together are written in one transaction (group commit, as the event store
   * does): a commit of its own cost each new session about as much as the rest of its insert.
   * The promise settles once the row is committed, so a sign-in's cookie works on the next request.
   */
  save(record: SessionRecord): Promise<void> {
    return this.saving.submit(record);
  }

  private writeGroup(records: SessionRecord[]): Outcome<void>[] {
    try {
      this.insertMany(records);
      return records.map(() => ({ ok: true, value: undefined }));
    } catch {
      // The transaction rolled back: write each alone, so one bad row fails only its own save.
      return records.map((record): Outcome<void> => {
        try {
          this.insertOne(record);
          return { ok: true, value: undefined };
        } catch (error) {
          return { ok: false, error };
        }
      });
    }
  }

  private insertOne(record: SessionRecord): void {
    this.statements.insert.run({ ...record, rolling: record.rolling ? 1 : 0 });
    // Expired rows are dead weight; sweep them now and then rather than on every write.
    this.saves += 1;
    if (this.saves % 1000 === 0) this.statements.purge.run(record.created_at);
  }

  async findByTokenHash(tokenHash: string, now: number): Promise<SessionRecord | null> {
    const row = this.statements.byToken.get(tokenHash, now);
    return row === undefined ? null : toRecord(row);
  }

  async extend(sessionId: string, expiresAt: number, now: number): Promise<void> {
    this.statements.extend.run(expiresAt, sessionId, now);
  }

  async listForUser(applicationId: string, userId: string, now: number): Promise<SessionRecord[]> {
    return this.statements.byUser.all(applicationId, userId, now).map(toRecord);
  }

  async remove(applicationId: string, userId: string, sessionIds: string[] | undefined, now: number): Promise<string[]> {
    const ids = sessionIds ?? this.statements.byUser.all(applicationId, userId, now).map((r) => r.session_id);
    return this.removeMany(applicationId, userId, ids);
  }

  async close(): Promise<void> {}
}
