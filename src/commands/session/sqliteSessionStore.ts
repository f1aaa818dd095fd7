import type { SqliteDatabase } from '../../shared/sqlite.js';
import type { SessionRecord, SessionStore } from './sessionStore.js';

interface Row extends Omit<SessionRecord, 'rolling'> {
  rolling: number;
}

const toRecord = ({ rolling, ...row }: Row): SessionRecord => ({ ...row, rolling: rolling === 1 });

export class SqliteSessionStore implements SessionStore {
  private readonly statements;
  private saves = 0;

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
  }

  private readonly removeMany: (applicationId: string, userId: string, ids: string[]) => string[];

  async save(record: SessionRecord): Promise<void> {
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
