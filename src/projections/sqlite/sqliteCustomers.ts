import type { Statement } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { StoredEvent } from '../../events/envelope.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import { identifierFields, type CustomerField, type CustomerFilter } from '../customers/customerFilter.js';
import { evolveCustomerView, searchKeysOf, type CustomerView } from '../customers/customerView.js';
import type { CustomerListQuery, CustomersReadModel, CustomerStatus, UserKey } from '../readStore.js';

const COLUMNS: Partial<Record<CustomerField, string>> = {
  user_id: 'user_id',
  first_name: 'first_name',
  last_name: 'last_name',
  gender: 'gender',
  external_id: 'external_id',
  rr_id: 'rr_id',
  active: 'active',
  archive: 'archived',
};
const KINDS: Partial<Record<CustomerField, string[]>> = {
  email: ['email'],
  phone: ['phone', 'phone_national'],
  username: ['username'],
};

type Param = string | number;

export function registerRegexp(db: SqliteDatabase): void {
  const cache = new Map<string, RegExp>();
  db.function('regexp_match', { deterministic: true }, (pattern: unknown, value: unknown, flags: unknown) => {
    if (typeof value !== 'string' || typeof pattern !== 'string') return 0;
    const key = `${String(flags)}/${pattern}`;
    let re = cache.get(key);
    if (re === undefined) {
      re = new RegExp(pattern, flags === 'i' ? 'iu' : 'u');
      if (cache.size > 500) cache.clear();
      cache.set(key, re);
    }
    return re.test(value) ? 1 : 0;
  });
}

function hasField(filter: CustomerFilter, field: CustomerField): boolean {
  if (filter.op === 'and' || filter.op === 'or') return filter.filters.some((f) => hasField(f, field));
  return filter.field === field;
}

/**
 * Customers as rows with the columns filters need, and every email, phone and username in a
 * side table indexed by value: a lookup by email is an index probe, not a scan of JSON.
 */
export class SqliteCustomersReadModel implements CustomersReadModel {
  readonly identifiersTable: string;
  private readonly statements;
  private readonly listStatements = new Map<string, Statement<Param[], unknown>>();

  constructor(
    private readonly db: SqliteDatabase,
    readonly table = 'customers',
  ) {
    this.identifiersTable = `${table}_identifiers`;
    this.migrate();
    const t = this.table;
    const ids = this.identifiersTable;
    this.statements = {
      get: db.prepare<[string, string], { doc: string }>(`SELECT doc FROM ${t} WHERE application_id = ? AND user_id = ?`),
      status: db.prepare<[string, string], { active: number; archived: number }>(
        `SELECT active, archived FROM ${t} WHERE application_id = ? AND user_id = ?`,
      ),
      upsert: db.prepare(
        `INSERT INTO ${t} (application_id, user_id, seq, revision, archived, active, username, first_name, last_name,
           gender, external_id, rr_id, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (application_id, user_id) DO UPDATE SET revision = excluded.revision, archived = excluded.archived,
           active = excluded.active, username = excluded.username, first_name = excluded.first_name,
           last_name = excluded.last_name, gender = excluded.gender, external_id = excluded.external_id,
           rr_id = excluded.rr_id, doc = excluded.doc`,
      ),
      deleteKeys: db.prepare(`DELETE FROM ${ids} WHERE application_id = ? AND user_id = ?`),
      insertKey: db.prepare(`INSERT OR IGNORE INTO ${ids} (application_id, kind, value, user_id) VALUES (?, ?, ?, ?)`),
      byUser: db.prepare<[string], { doc: string }>(`SELECT doc FROM ${t} WHERE user_id = ?`),
    };
  }

  private migrate(): void {
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(this.table);
    if (exists !== undefined) return;
    // Index names carry a random suffix so that a rebuilt table can be renamed over this one later.
    const tag = randomBytes(4).toString('hex');
    this.db.exec(`
      CREATE TABLE ${this.table} (
        application_id TEXT NOT NULL, user_id TEXT NOT NULL, seq INTEGER NOT NULL, revision INTEGER NOT NULL,
        archived INTEGER NOT NULL, active INTEGER NOT NULL, username TEXT, first_name TEXT, last_name TEXT,
        gender TEXT, external_id TEXT, rr_id TEXT, doc TEXT NOT NULL,
        PRIMARY KEY (application_id, user_id)
      ) WITHOUT ROWID;
      CREATE INDEX ${this.table}_seq_${tag} ON ${this.table} (application_id, archived, seq);
      CREATE INDEX ${this.table}_user_${tag} ON ${this.table} (user_id);
      CREATE TABLE ${this.identifiersTable} (
        application_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, user_id TEXT NOT NULL,
        PRIMARY KEY (application_id, kind, value, user_id)
      ) WITHOUT ROWID;
      CREATE INDEX ${this.identifiersTable}_user_${tag} ON ${this.identifiersTable} (application_id, user_id);
    `);
  }

  /** Applies events in order; one read and one write per customer however many events it has. */
  applySync(events: StoredEvent[]): void {
    const touched = new Map<string, { view: CustomerView | null; existed: boolean }>();
    for (const event of events) {
      const userId = event.stream.slice('user-'.length);
      let entry = touched.get(userId);
      if (entry === undefined) {
        const loaded = this.loadByUser(userId, event.metadata.application_id);
        entry = { view: loaded, existed: loaded !== null };
        touched.set(userId, entry);
      }
      entry.view = evolveCustomerView(entry.view, event);
    }
    for (const { view, existed } of touched.values()) if (view !== null) this.write(view, existed);
  }

  /** By primary key when the event names its application: a rebuild loads without secondary indexes. */
  private loadByUser(userId: string, applicationId: string | undefined): CustomerView | null {
    const row = applicationId === undefined ? this.statements.byUser.get(userId) : this.statements.get.get(applicationId, userId);
    return row === undefined ? null : (JSON.parse(row.doc) as CustomerView);
  }

  /** `existed`: the customer had a row before; rows are never deleted, so one without had no keys either. */
  private write(view: CustomerView, existed: boolean): void {
    this.statements.upsert.run(
      view.application_id,
      view.user_id,
      view.seq,
      view.revision,
      view.archive ? 1 : 0,
      view.active ? 1 : 0,
      view.username,
      view.first_name ?? null,
      view.last_name ?? null,
      view.gender ?? null,
      view.external_id ?? null,
      view.rr_id ?? null,
      JSON.stringify(view),
    );
    if (existed) this.statements.deleteKeys.run(view.application_id, view.user_id);
    for (const key of searchKeysOf(view)) {
      this.statements.insertKey.run(view.application_id, key.kind, key.value, view.user_id);
    }
  }

  async findUserIds(applicationId: string, key: UserKey, values: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      const marks = chunk.map(() => '?').join(', ');
      const rows =
        key === 'user_id'
          ? this.cached<{ value: string; user_id: string }>(
              `SELECT user_id AS value, user_id FROM ${this.table} WHERE application_id = ? AND archived = 0 AND user_id IN (${marks})`,
            ).all(applicationId, ...chunk)
          : this.cached<{ value: string; user_id: string }>(
              `SELECT k.value, k.user_id FROM ${this.identifiersTable} k CROSS JOIN ${this.table} c
               WHERE k.application_id = ? AND k.kind IN (${key === 'email' ? "'email'" : "'phone', 'phone_national'"}) AND k.value IN (${marks})
                 AND c.application_id = k.application_id AND c.user_id = k.user_id AND c.archived = 0`,
            ).all(applicationId, ...chunk);
      for (const row of rows) if (!found.has(row.value)) found.set(row.value, row.user_id);
    }
    return found;
  }

  async get(applicationId: string, userId: string): Promise<CustomerView | null> {
    const row = this.statements.get.get(applicationId, userId);
    return row === undefined ? null : (JSON.parse(row.doc) as CustomerView);
  }

  async status(applicationId: string, userId: string): Promise<CustomerStatus | null> {
    const row = this.statements.status.get(applicationId, userId);
    return row === undefined ? null : { active: row.active === 1, archive: row.archived === 1 };
  }

  async list(query: CustomerListQuery): Promise<{ items: CustomerView[]; total: number }> {
    const filter = query.filter;
    const { page_no, page_size } = query.page;
    const offset = (page_no - 1) * page_size;
    // A filter on identifiers or ids starts from the few user ids they name (CROSS JOIN fixes the
    // join order), rather than walking every customer of the application in `seq` order.
    const driver = filter === undefined ? undefined : this.driverOf(filter, query.application_id);
    const params: Param[] = [query.application_id];
    let where = 'c.application_id = ?';
    if (!query.include_archived && (filter === undefined || !hasField(filter, 'archive'))) where += ' AND c.archived = 0';
    if (filter !== undefined) where += ` AND ${this.toSql(filter, query.application_id, params, driver?.covers)}`;
    if (driver !== undefined) {
      // Few rows match: one query fetches them all in order, and the page and total come from it.
      const rows = this.cached<{ user_id: string; doc: string }>(
        `SELECT c.user_id, c.doc FROM (${driver.sql}) AS m CROSS JOIN ${this.table} c WHERE c.user_id = m.user_id AND ${where} ORDER BY c.seq DESC`,
      ).all(...driver.params, ...params);
      // The driver may name a user twice (an email equal to a username): keep each once.
      const seen = new Set<string>();
      const unique = rows.filter((r) => {
        if (seen.has(r.user_id)) return false;
        seen.add(r.user_id);
        return true;
      });
      return { items: unique.slice(offset, offset + page_size).map((r) => JSON.parse(r.doc) as CustomerView), total: unique.length };
    }
    const total = this.cached<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.table} c WHERE ${where}`).get(...params)?.n ?? 0;
    const rows = this.cached<{ doc: string }>(`SELECT c.doc FROM ${this.table} c WHERE ${where} ORDER BY c.seq DESC LIMIT ? OFFSET ?`).all(
      ...params,
      page_size,
      offset,
    );
    return { items: rows.map((r) => JSON.parse(r.doc) as CustomerView), total };
  }

  /** Statements by SQL text: a filter's shape, not its values, decides the text. */
  private cached<Row>(sql: string): Statement<Param[], Row> {
    let statement = this.listStatements.get(sql);
    if (statement === undefined) {
      if (this.listStatements.size >= 200) this.listStatements.clear();
      statement = this.db.prepare<Param[], unknown>(sql);
      this.listStatements.set(sql, statement);
    }
    return statement as Statement<Param[], Row>;
  }

  /**
   * The user ids that satisfy part of a filter, read from an index: the identifier table for an
   * email, phone or username (equality or list), the ids themselves for user_id. An `and` uses
   * one such child, an `or` needs all of them; anything else (a regex, a name) has none.
   * `covers` is the part of the filter the ids match exactly, so the WHERE need not test it again.
   * The ids may repeat.
   */
  private driverOf(filter: CustomerFilter, applicationId: string): { sql: string; params: Param[]; covers: CustomerFilter } | undefined {
    if (filter.op === 'and') {
      for (const child of filter.filters) {
        const driver = this.driverOf(child, applicationId);
        if (driver !== undefined) return driver;
      }
      return undefined;
    }
    if (filter.op === 'or') {
      const drivers = filter.filters.map((child) => this.driverOf(child, applicationId));
      // Only children matched exactly: a union of supersets would not cover the `or` itself.
      if (drivers.some((d, i) => d === undefined || d.covers !== filter.filters[i])) return undefined;
      const parts = drivers.filter((d) => d !== undefined);
      return { sql: parts.map((d) => d.sql).join(' UNION ALL '), params: parts.flatMap((d) => d.params), covers: filter };
    }
    if (filter.op === 'regex') return undefined;
    const values = (filter.op === 'eq' ? [filter.value] : filter.values).map((v): Param => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
    const marks = values.map(() => '?').join(', ');
    if (identifierFields.has(filter.field)) {
      const kinds = KINDS[filter.field] ?? [];
      return {
        sql: `SELECT user_id FROM ${this.identifiersTable} WHERE application_id = ? AND kind IN (${kinds.map(() => '?').join(', ')}) AND value IN (${marks})`,
        params: [applicationId, ...kinds, ...values],
        covers: filter,
      };
    }
    if (filter.field === 'user_id') {
      return { sql: values.map(() => 'SELECT ? AS user_id').join(' UNION ALL '), params: values, covers: filter };
    }
    return undefined;
  }

  /** `covered`: the part of the filter the query's driver already guarantees, written as true. */
  private toSql(filter: CustomerFilter, applicationId: string, params: Param[], covered?: CustomerFilter): string {
    if (filter === covered) return '1';
    if (filter.op === 'and' || filter.op === 'or') {
      const joiner = filter.op === 'and' ? ' AND ' : ' OR ';
      return `(${filter.filters.map((f) => this.toSql(f, applicationId, params, covered)).join(joiner)})`;
    }
    const toParam = (v: string | boolean): Param => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
    if (identifierFields.has(filter.field)) {
      const kinds = KINDS[filter.field] ?? [];
      params.push(applicationId, ...kinds);
      const lookup = `c.user_id IN (SELECT user_id FROM ${this.identifiersTable} WHERE application_id = ? AND kind IN (${kinds.map(() => '?').join(', ')}) AND `;
      if (filter.op === 'eq') {
        params.push(toParam(filter.value));
        return `${lookup}value = ?)`;
      }
      if (filter.op === 'in') {
        params.push(...filter.values.map(toParam));
        return `${lookup}value IN (${filter.values.map(() => '?').join(', ')}))`;
      }
      params.push(filter.pattern, filter.caseInsensitive ? 'i' : '');
      return `${lookup}regexp_match(?, value, ?))`;
    }
    const column = `c.${COLUMNS[filter.field] ?? 'user_id'}`;
    if (filter.op === 'eq') {
      params.push(toParam(filter.value));
      return `${column} = ?`;
    }
    if (filter.op === 'in') {
      params.push(...filter.values.map(toParam));
      return `${column} IN (${filter.values.map(() => '?').join(', ')})`;
    }
    params.push(filter.pattern, filter.caseInsensitive ? 'i' : '');
    return `regexp_match(?, ${column}, ?)`;
  }
}
