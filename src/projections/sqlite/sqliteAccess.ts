import type { StoredEvent } from '../../events/envelope.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import { accessWriteOf } from '../access/accessView.js';
import type { AccessReadModel, CredentialView } from '../readStore.js';

/** Long enough to serve a burst from memory, short enough that a table swapped by a rebuild is seen soon. */
const CACHE_MS = 5_000;

export class SqliteAccessReadModel implements AccessReadModel {
  private readonly statements;
  /**
   * Every platform request checks its application: a map in front of the table saves a query per
   * request. Writes clear it (they run in this process, inside the append's transaction).
   */
  private readonly applicationCache = new Map<string, { view: CredentialView | null; at: number }>();

  constructor(
    private readonly db: SqliteDatabase,
    readonly suffix = '',
  ) {
    const clients = `platform_clients${suffix}`;
    const applications = `applications${suffix}`;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${clients} (id TEXT PRIMARY KEY, company_id TEXT NOT NULL, secret_hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${applications} (id TEXT PRIMARY KEY, company_id TEXT NOT NULL, secret_hash TEXT NOT NULL);
    `);
    const upsert = (table: string) =>
      db.prepare(
        `INSERT INTO ${table} (id, company_id, secret_hash) VALUES (@id, @company_id, @secret_hash)
         ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, secret_hash = excluded.secret_hash`,
      );
    this.statements = {
      platform_clients: upsert(clients),
      applications: upsert(applications),
      client: db.prepare<[string], CredentialView>(`SELECT * FROM ${clients} WHERE id = ?`),
      application: db.prepare<[string], CredentialView>(`SELECT * FROM ${applications} WHERE id = ?`),
      allApplications: db.prepare<[], CredentialView>(`SELECT * FROM ${applications} ORDER BY id`),
    };
  }

  get tables(): string[] {
    return [`platform_clients${this.suffix}`, `applications${this.suffix}`];
  }

  applySync(events: StoredEvent[]): void {
    for (const event of events) {
      const write = accessWriteOf(event);
      if (write !== null) {
        this.statements[write.table].run(write.view);
        this.applicationCache.clear();
      }
    }
  }

  async platformClient(clientId: string): Promise<CredentialView | null> {
    return this.statements.client.get(clientId) ?? null;
  }

  async application(applicationId: string): Promise<CredentialView | null> {
    const now = Date.now();
    const cached = this.applicationCache.get(applicationId);
    if (cached !== undefined && now - cached.at < CACHE_MS) return cached.view;
    const view = this.statements.application.get(applicationId) ?? null;
    // Unknown ids are cached too, but only so many: a scan of random ids cannot grow the map.
    if (this.applicationCache.size >= 1_000) this.applicationCache.clear();
    this.applicationCache.set(applicationId, { view, at: now });
    return view;
  }

  async applications(): Promise<CredentialView[]> {
    return this.statements.allApplications.all();
  }
}
