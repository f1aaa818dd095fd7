import type { SqliteDatabase } from '../../shared/sqlite.js';
import { decideAttempt, decideIssue, HOUR_MS, type SendWindow } from './otpRules.js';
import type { AttemptOptions, AttemptResult, IssueLimits, IssueResult, OtpPurpose, OtpRecord, OtpStore } from './otpStore.js';

interface Row extends Omit<OtpRecord, 'consumed'> {
  consumed: number;
}
const toRecord = ({ consumed, ...row }: Row): OtpRecord => ({ ...row, consumed: consumed === 1 });

/** Each operation is one synchronous better-sqlite3 transaction: atomic within the process and the file. */
export class SqliteOtpStore implements OtpStore {
  private readonly statements;
  private readonly issueTx: (record: OtpRecord, limits: IssueLimits, now: number) => IssueResult;
  private readonly attemptTx: (applicationId: string, requestId: string, codeHash: string, now: number, options: AttemptOptions) => AttemptResult;
  private issued = 0;

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS otp_codes (
        request_id TEXT PRIMARY KEY, application_id TEXT NOT NULL, purpose TEXT NOT NULL, channel TEXT NOT NULL,
        recipient TEXT NOT NULL, user_id TEXT NOT NULL, code_hash TEXT NOT NULL, created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, tries INTEGER NOT NULL, consumed INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS otp_codes_by_expiry ON otp_codes (expires_at);
      CREATE TABLE IF NOT EXISTS otp_latest (
        application_id TEXT NOT NULL, purpose TEXT NOT NULL, recipient TEXT NOT NULL, request_id TEXT NOT NULL,
        sent_at INTEGER NOT NULL, PRIMARY KEY (application_id, purpose, recipient)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS otp_send_windows (
        application_id TEXT NOT NULL, recipient TEXT NOT NULL, start INTEGER NOT NULL, sends INTEGER NOT NULL,
        PRIMARY KEY (application_id, recipient)
      ) WITHOUT ROWID;
    `);
    this.statements = {
      latest: db.prepare<[string, string, string], { request_id: string; sent_at: number }>(
        'SELECT request_id, sent_at FROM otp_latest WHERE application_id = ? AND purpose = ? AND recipient = ?',
      ),
      window: db.prepare<[string, string], SendWindow>('SELECT start, sends FROM otp_send_windows WHERE application_id = ? AND recipient = ?'),
      saveWindow: db.prepare(
        `INSERT INTO otp_send_windows (application_id, recipient, start, sends) VALUES (?, ?, ?, ?)
         ON CONFLICT (application_id, recipient) DO UPDATE SET start = excluded.start, sends = excluded.sends`,
      ),
      deleteCode: db.prepare('DELETE FROM otp_codes WHERE request_id = ?'),
      insertCode: db.prepare(
        `INSERT INTO otp_codes (request_id, application_id, purpose, channel, recipient, user_id, code_hash, created_at, expires_at, tries, consumed)
         VALUES (@request_id, @application_id, @purpose, @channel, @recipient, @user_id, @code_hash, @created_at, @expires_at, @tries, @consumed)`,
      ),
      saveLatest: db.prepare(
        `INSERT INTO otp_latest (application_id, purpose, recipient, request_id, sent_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (application_id, purpose, recipient) DO UPDATE SET request_id = excluded.request_id, sent_at = excluded.sent_at`,
      ),
      code: db.prepare<[string], Row>('SELECT * FROM otp_codes WHERE request_id = ?'),
      countTry: db.prepare('UPDATE otp_codes SET tries = tries + 1 WHERE request_id = ?'),
      consume: db.prepare('UPDATE otp_codes SET consumed = 1 WHERE request_id = ?'),
      purgeCodes: db.prepare('DELETE FROM otp_codes WHERE expires_at < ?'),
      forgetCodes: db.prepare('DELETE FROM otp_codes WHERE application_id = ? AND recipient = ?'),
      forgetLatest: db.prepare('DELETE FROM otp_latest WHERE application_id = ? AND recipient = ?'),
      forgetWindow: db.prepare('DELETE FROM otp_send_windows WHERE application_id = ? AND recipient = ?'),
      purgeWindows: db.prepare('DELETE FROM otp_send_windows WHERE start < ?'),
    };
    const s = this.statements;
    this.issueTx = db.transaction((record: OtpRecord, limits: IssueLimits, now: number): IssueResult => {
      const latest = s.latest.get(record.application_id, record.purpose, record.recipient);
      const decision = decideIssue(latest?.sent_at, s.window.get(record.application_id, record.recipient), now, limits);
      if (!decision.result.ok || decision.window === undefined) return decision.result;
      s.saveWindow.run(record.application_id, record.recipient, decision.window.start, decision.window.sends);
      if (latest !== undefined) s.deleteCode.run(latest.request_id);
      s.insertCode.run({ ...record, consumed: record.consumed ? 1 : 0 });
      s.saveLatest.run(record.application_id, record.purpose, record.recipient, record.request_id, now);
      return decision.result;
    });
    this.attemptTx = db.transaction((applicationId: string, requestId: string, codeHash: string, now: number, options: AttemptOptions): AttemptResult => {
      const row = s.code.get(requestId);
      if (row === undefined || row.application_id !== applicationId) return { ok: false, reason: 'not_found' };
      s.countTry.run(requestId);
      const record = toRecord({ ...row, tries: row.tries + 1 });
      const outcome = decideAttempt(record, codeHash, now, options);
      if (outcome !== 'ok') return { ok: false, reason: outcome };
      if (options.consume) s.consume.run(requestId);
      return { ok: true, record: { ...record, consumed: options.consume } };
    });
  }

  async issue(record: OtpRecord, limits: IssueLimits, now: number): Promise<IssueResult> {
    const result = this.issueTx(record, limits, now);
    // Expired codes and old windows are dead weight; sweep them now and then.
    this.issued += 1;
    if (this.issued % 500 === 0) {
      this.statements.purgeCodes.run(now - HOUR_MS);
      this.statements.purgeWindows.run(now - HOUR_MS);
    }
    return result;
  }

  async latest(applicationId: string, purpose: OtpPurpose, recipient: string, now: number): Promise<string | null> {
    const latest = this.statements.latest.get(applicationId, purpose, recipient);
    if (latest === undefined) return null;
    const row = this.statements.code.get(latest.request_id);
    return row === undefined || row.expires_at <= now ? null : row.request_id;
  }

  async attempt(applicationId: string, requestId: string, codeHash: string, now: number, options: AttemptOptions): Promise<AttemptResult> {
    return this.attemptTx(applicationId, requestId, codeHash, now, options);
  }

  /** For tests and the operator: the stored record, hash and all. */
  async get(requestId: string): Promise<OtpRecord | null> {
    const row = this.statements.code.get(requestId);
    return row === undefined ? null : toRecord(row);
  }

  async forget(applicationId: string, recipients: string[]): Promise<void> {
    const s = this.statements;
    for (const recipient of recipients) {
      s.forgetCodes.run(applicationId, recipient);
      s.forgetLatest.run(applicationId, recipient);
      s.forgetWindow.run(applicationId, recipient);
    }
  }

  async close(): Promise<void> {}
}
