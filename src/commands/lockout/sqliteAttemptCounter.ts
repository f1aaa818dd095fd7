import type { SqliteDatabase } from '../../shared/sqlite.js';
import { countFailure, type AttemptCounter, type AttemptState, type FailureCount, type LockoutPolicy } from './attemptCounter.js';

export class SqliteAttemptCounter implements AttemptCounter {
  private readonly statements;
  private readonly recordTx: (key: string, now: number, policy: LockoutPolicy) => FailureCount;

  constructor(db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS login_attempts (
      key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_failure_at INTEGER NOT NULL, locked_until INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.statements = {
      get: db.prepare<[string], AttemptState>('SELECT count, last_failure_at, locked_until FROM login_attempts WHERE key = ?'),
      save: db.prepare(
        `INSERT INTO login_attempts (key, count, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET count = excluded.count, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
      ),
      remove: db.prepare('DELETE FROM login_attempts WHERE key = ?'),
    };
    const s = this.statements;
    this.recordTx = db.transaction((key: string, now: number, policy: LockoutPolicy) => {
      const { state, result } = countFailure(s.get.get(key), now, policy);
      s.save.run(key, state.count, state.last_failure_at, state.locked_until);
      return result;
    });
  }

  async lockedUntil(key: string, now: number): Promise<number | null> {
    const state = this.statements.get.get(key);
    return state !== undefined && state.locked_until > now ? state.locked_until : null;
  }

  async recordFailure(key: string, now: number, policy: LockoutPolicy): Promise<FailureCount> {
    return this.recordTx(key, now, policy);
  }

  async reset(key: string): Promise<void> {
    this.statements.remove.run(key);
  }

  async settleSuccess(key: string, now: number): Promise<number | null> {
    const state = this.statements.get.get(key);
    // No row, nothing to clear: a read costs SQLite half the locking a DELETE does.
    if (state === undefined) return null;
    if (state.locked_until > now) return state.locked_until;
    this.statements.remove.run(key);
    return null;
  }

  async close(): Promise<void> {}
}
