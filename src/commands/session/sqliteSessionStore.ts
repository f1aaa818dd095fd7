import type { StoredEvent } from '../../events/envelope.js';
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

/** Live sessions kept in memory by default; past this many, the oldest cached are dropped (they stay in the table). */
const CACHED_SESSIONS = 20_000;

/**
 * Sessions in the embedded SQLite file. Every storefront request looks its session up, so the
 * sessions found or saved are also kept in memory, by token hash: the embedded default is one
 * process (DESIGN.md), and every change to a session goes through this object, which updates
 * the copy it holds. The one writer outside the service, `cli users erase`, also drops the
 * customer from the read model, which the per-request check reads from the table.
 */
export class SqliteSessionStore implements SessionStore {
  private readonly statements;
  private readonly cached = new Map<string, SessionRecord>();
  /** session_id → token hash, to find a cached session when it is extended or removed. */
  private readonly cachedIds = new Map<string, string>();
  private saves = 0;
  /** Records announced by `stage`, by session id; `written` once a transaction of the event log has inserted the row. */
  private readonly staged = new Map<string, { record: SessionRecord; written: boolean }>();
  private readonly saving = new GroupCommit<SessionRecord, void>((records) => this.writeGroup(records));

  constructor(
    db: SqliteDatabase,
    private readonly cacheLimit = CACHED_SESSIONS,
  ) {
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
    const staged = this.staged.get(record.session_id);
    if (staged !== undefined) {
      this.staged.delete(record.session_id);
      // The append has resolved, so the transaction that inserted the row has committed.
      if (staged.written) {
        this.remember(record);
        return Promise.resolve();
      }
    }
    return this.saving.submit(record);
  }

  stage(record: SessionRecord): void {
    this.staged.set(record.session_id, { record, written: false });
  }

  unstage(sessionId: string): void {
    this.staged.delete(sessionId);
  }

  /**
   * Runs inside the embedded event log's append transaction (main.ts), with the events it writes:
   * a staged session's row is inserted beside its SessionStarted event, and a rollback takes both.
   * A group rolled back and written again (sqliteEventStore.ts writeGroup) calls this again.
   */
  readonly writeStaged = (events: StoredEvent[]): void => {
    if (this.staged.size === 0) return;
    for (const event of events) {
      if (event.type !== 'SessionStarted') continue;
      const staged = this.staged.get((event.data as { session_id: string }).session_id);
      if (staged === undefined) continue;
      this.insertOne(staged.record);
      staged.written = true;
    }
  };

  private remember(record: SessionRecord): void {
    if (this.cached.size >= this.cacheLimit) {
      const oldest = this.cached.keys().next();
      if (oldest.done !== true) this.forget(this.cached.get(oldest.value)?.session_id ?? '');
    }
    // A frozen copy: the caller keeps the record it saved, and every lookup shares the one cached.
    this.cached.set(record.token_hash, Object.freeze({ ...record }));
    this.cachedIds.set(record.session_id, record.token_hash);
  }

  private forget(sessionId: string): void {
    const hash = this.cachedIds.get(sessionId);
    if (hash === undefined) return;
    this.cachedIds.delete(sessionId);
    this.cached.delete(hash);
  }

  /** Rows are cached right after their commit, in the same synchronous step: no removal comes in between. */
  private writeGroup(records: SessionRecord[]): Outcome<void>[] {
    try {
      this.insertMany(records);
      for (const record of records) this.remember(record);
      return records.map(() => ({ ok: true, value: undefined }));
    } catch {
      // The transaction rolled back: write each alone, so one bad row fails only its own save.
      return records.map((record): Outcome<void> => {
        try {
          this.insertOne(record);
          this.remember(record);
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
    if (this.saves % 1000 === 0) {
      this.statements.purge.run(record.created_at);
      for (const cached of this.cached.values()) if (cached.expires_at <= record.created_at) this.forget(cached.session_id);
    }
  }

  async findByTokenHash(tokenHash: string, now: number): Promise<SessionRecord | null> {
    const cached = this.cached.get(tokenHash);
    if (cached !== undefined) return cached.expires_at > now ? cached : null;
    const row = this.statements.byToken.get(tokenHash, now);
    if (row === undefined) return null;
    const record = toRecord(row);
    this.remember(record);
    return record;
  }

  async extend(sessionId: string, expiresAt: number, now: number): Promise<void> {
    this.statements.extend.run(expiresAt, sessionId, now);
    const hash = this.cachedIds.get(sessionId);
    const cached = hash === undefined ? undefined : this.cached.get(hash);
    // Replaced, not changed in place: callers may hold the record they were given.
    if (hash !== undefined && cached !== undefined && cached.expires_at > now) this.cached.set(hash, Object.freeze({ ...cached, expires_at: expiresAt }));
  }

  async listForUser(applicationId: string, userId: string, now: number): Promise<SessionRecord[]> {
    return this.statements.byUser.all(applicationId, userId, now).map(toRecord);
  }

  async remove(applicationId: string, userId: string, sessionIds: string[] | undefined, now: number): Promise<string[]> {
    const ids = sessionIds ?? this.statements.byUser.all(applicationId, userId, now).map((r) => r.session_id);
    const removed = this.removeMany(applicationId, userId, ids);
    for (const id of removed) this.forget(id);
    return removed;
  }

  async close(): Promise<void> {}
}
