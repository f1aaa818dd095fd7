import type { StoredEvent } from '../../events/envelope.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import { evolvePlatformConfigView, type PlatformConfigView } from '../platformConfigs/platformConfigView.js';
import type { PlatformConfigReadModel } from '../readStore.js';

export class SqlitePlatformConfigReadModel implements PlatformConfigReadModel {
  private readonly statements;

  constructor(
    db: SqliteDatabase,
    readonly table = 'platform_configs',
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (application_id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
    this.statements = {
      get: db.prepare<[string], { doc: string }>(`SELECT doc FROM ${table} WHERE application_id = ?`),
      put: db.prepare(
        `INSERT INTO ${table} (application_id, doc) VALUES (?, ?) ON CONFLICT (application_id) DO UPDATE SET doc = excluded.doc`,
      ),
    };
  }

  applySync(events: StoredEvent[]): void {
    for (const event of events) {
      const applicationId = event.stream.slice('platformConfig-'.length);
      const current = this.getSync(applicationId);
      const next = evolvePlatformConfigView(current, event);
      if (next !== null && next !== current) this.statements.put.run(applicationId, JSON.stringify(next));
    }
  }

  private getSync(applicationId: string): PlatformConfigView | null {
    const row = this.statements.get.get(applicationId);
    return row === undefined ? null : (JSON.parse(row.doc) as PlatformConfigView);
  }

  async get(applicationId: string): Promise<PlatformConfigView | null> {
    return this.getSync(applicationId);
  }
}
