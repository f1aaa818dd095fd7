import type { SqliteDatabase } from '../../shared/sqlite.js';
import type { Notification, Notifier } from './notifier.js';

export interface OutboxEntry extends Notification {
  id: number;
  created_at: string;
}

/**
 * Development delivery: messages are kept in the embedded file for `npm run cli -- outbox`. It
 * holds OTPs and links in clear, which is the point in development and why production sets
 * NOTIFY_WEBHOOK_URL instead.
 */
export class OutboxNotifier implements Notifier {
  private readonly statements;

  constructor(
    db: SqliteDatabase,
    private readonly now: () => Date,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, application_id TEXT NOT NULL,
      channel TEXT NOT NULL, recipient TEXT NOT NULL, template TEXT NOT NULL, data TEXT NOT NULL)`);
    this.statements = {
      insert: db.prepare(
        'INSERT INTO outbox (created_at, application_id, channel, recipient, template, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      forget: db.prepare('DELETE FROM outbox WHERE application_id = ? AND recipient = ?'),
      latest: db.prepare<[number], { id: number; created_at: string; application_id: string; channel: string; recipient: string; template: string; data: string }>(
        'SELECT * FROM outbox ORDER BY id DESC LIMIT ?',
      ),
    };
  }

  async send(n: Notification): Promise<void> {
    this.statements.insert.run(this.now().toISOString(), n.application_id, n.channel, n.to, n.template, JSON.stringify(n.data));
  }

  /** An erased person's messages go with them. */
  async forget(applicationId: string, recipients: string[]): Promise<void> {
    for (const recipient of recipients) this.statements.forget.run(applicationId, recipient);
  }

  latest(limit: number): OutboxEntry[] {
    return this.statements.latest.all(limit).map((row) => ({
      id: row.id,
      created_at: row.created_at,
      application_id: row.application_id,
      channel: row.channel as Notification['channel'],
      to: row.recipient,
      template: row.template,
      data: JSON.parse(row.data) as Record<string, string>,
    }));
  }
}
