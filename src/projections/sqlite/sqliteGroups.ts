import { randomBytes } from 'node:crypto';
import { ERASED } from '../../events/personalDataCodec.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import { escapeLike } from '../attributes/attributeFilter.js';
import { evolveGroupView, membershipChanges, type GroupListQuery, type GroupsReadModel, type GroupView, type ReportRow } from '../groups/groupView.js';

type Param = string | number;

/**
 * Groups as rows with the columns the list filters on, members as (application, group, user)
 * rows indexed both ways (is X in G; which groups is X in), and the rows imports rejected.
 */
export class SqliteGroupsReadModel implements GroupsReadModel {
  readonly tables: string[];
  private readonly statements;

  constructor(
    private readonly db: SqliteDatabase,
    suffix = '',
  ) {
    const groups = `user_groups${suffix}`;
    const members = `user_group_members${suffix}`;
    const errors = `user_group_import_errors${suffix}`;
    this.tables = [groups, members, errors];
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(groups);
    if (exists === undefined) {
      // Index names carry a random suffix so that a rebuilt table can be renamed over this one later.
      const tag = randomBytes(4).toString('hex');
      db.exec(`
        CREATE TABLE ${groups} (
          application_id TEXT NOT NULL, group_id TEXT NOT NULL, uid INTEGER NOT NULL, name TEXT NOT NULL,
          type TEXT NOT NULL, status TEXT NOT NULL, revision INTEGER NOT NULL, doc TEXT NOT NULL,
          PRIMARY KEY (application_id, group_id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX ${groups}_uid_${tag} ON ${groups} (application_id, uid);
        CREATE TABLE ${members} (
          application_id TEXT NOT NULL, group_id TEXT NOT NULL, user_id TEXT NOT NULL,
          PRIMARY KEY (application_id, group_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX ${members}_user_${tag} ON ${members} (application_id, user_id, group_id);
        CREATE TABLE ${errors} (
          application_id TEXT NOT NULL, job_id TEXT NOT NULL, row INTEGER NOT NULL, col TEXT NOT NULL,
          value TEXT NOT NULL, reason TEXT NOT NULL,
          PRIMARY KEY (application_id, job_id, row)
        ) WITHOUT ROWID;
      `);
    }
    this.statements = {
      get: db.prepare<[string, string], { doc: string }>(`SELECT doc FROM ${groups} WHERE application_id = ? AND group_id = ?`),
      getByUid: db.prepare<[string, number], { doc: string }>(`SELECT doc FROM ${groups} WHERE application_id = ? AND uid = ?`),
      put: db.prepare(
        `INSERT INTO ${groups} (application_id, group_id, uid, name, type, status, revision, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (application_id, group_id) DO UPDATE SET name = excluded.name, type = excluded.type,
           status = excluded.status, revision = excluded.revision, doc = excluded.doc`,
      ),
      conditional: db.prepare<[string], { doc: string }>(`SELECT doc FROM ${groups} WHERE application_id = ? AND type = 'conditional' ORDER BY uid`),
      add: db.prepare(`INSERT OR IGNORE INTO ${members} (application_id, group_id, user_id) VALUES (?, ?, ?)`),
      remove: db.prepare(`DELETE FROM ${members} WHERE application_id = ? AND group_id = ? AND user_id = ?`),
      isMember: db.prepare<[string, string, string], { one: number }>(
        `SELECT 1 AS one FROM ${members} WHERE application_id = ? AND group_id = ? AND user_id = ?`,
      ),
      groupsOf: db.prepare<[string, string], { group_id: string }>(
        `SELECT group_id FROM ${members} WHERE application_id = ? AND user_id = ? ORDER BY group_id`,
      ),
      members: db.prepare<[string, string], { user_id: string }>(`SELECT user_id FROM ${members} WHERE application_id = ? AND group_id = ? ORDER BY user_id`),
      count: db.prepare<[string, string], { n: number }>(`SELECT COUNT(*) AS n FROM ${members} WHERE application_id = ? AND group_id = ?`),
      forget: db.prepare(`UPDATE ${errors} SET value = ? WHERE application_id = ? AND job_id = ?`),
      reject: db.prepare(`INSERT OR IGNORE INTO ${errors} (application_id, job_id, row, col, value, reason) VALUES (?, ?, ?, ?, ?, ?)`),
      errors: db.prepare<[string, string], { job_id: string; row: number; col: string; value: string; reason: string }>(
        `SELECT job_id, row, col, value, reason FROM ${errors} WHERE application_id = ? AND job_id = ? ORDER BY row`,
      ),
    };
    this.groupsTable = groups;
    this.membersTable = members;
  }

  private readonly groupsTable: string;
  private readonly membersTable: string;

  applySync(events: StoredEvent[]): void {
    const touched = new Map<string, GroupView | null>();
    for (const event of events) {
      if (event.type === 'UserGroupMembersChanged' || event.type === 'UserGroupUidAssigned') continue;
      const { application_id, group_id } = event.data as { application_id: string; group_id: string };
      const key = `${application_id}\u0000${group_id}`;
      const current = touched.has(key) ? (touched.get(key) ?? null) : this.getSync(application_id, group_id);
      touched.set(key, evolveGroupView(current, event));
    }
    for (const view of touched.values()) {
      if (view === null) continue;
      this.statements.put.run(view.application_id, view.group_id, view.uid, view.name.toLowerCase(), view.type, view.status, view.revision, JSON.stringify(view));
    }
    const { changes, rejected, forgotten } = membershipChanges(events);
    for (const c of changes.values()) (c.member ? this.statements.add : this.statements.remove).run(c.application_id, c.group_id, c.user_id);
    for (const r of rejected) this.statements.reject.run(r.application_id, r.job_id, r.row, r.column, r.value, r.reason);
    for (const f of forgotten) this.statements.forget.run(ERASED, f.application_id, f.job_id);
  }

  private getSync(applicationId: string, groupId: string): GroupView | null {
    const row = this.statements.get.get(applicationId, groupId);
    return row === undefined ? null : (JSON.parse(row.doc) as GroupView);
  }

  async get(applicationId: string, groupId: string): Promise<GroupView | null> {
    return this.getSync(applicationId, groupId);
  }

  async getByUid(applicationId: string, uid: number): Promise<GroupView | null> {
    const row = this.statements.getByUid.get(applicationId, uid);
    return row === undefined ? null : (JSON.parse(row.doc) as GroupView);
  }

  async list(query: GroupListQuery): Promise<{ items: GroupView[]; total: number }> {
    const params: Param[] = [query.application_id];
    let where = 'application_id = ?';
    if (query.name !== undefined) {
      where += " AND name LIKE ? ESCAPE '\\'";
      params.push(`%${escapeLike(query.name.toLowerCase())}%`);
    }
    for (const [column, value] of [['type', query.type], ['status', query.status], ['uid', query.uid]] as const) {
      if (value === undefined) continue;
      where += ` AND ${column} = ?`;
      params.push(value);
    }
    const total = this.db.prepare<Param[], { n: number }>(`SELECT COUNT(*) AS n FROM ${this.groupsTable} WHERE ${where}`).get(...params)?.n ?? 0;
    const { page_no, page_size } = query.page;
    const rows = this.db
      .prepare<Param[], { doc: string }>(`SELECT doc FROM ${this.groupsTable} WHERE ${where} ORDER BY uid DESC LIMIT ? OFFSET ?`)
      .all(...params, page_size, (page_no - 1) * page_size);
    return { items: rows.map((r) => JSON.parse(r.doc) as GroupView), total };
  }

  async conditional(applicationId: string, definitionId?: string): Promise<GroupView[]> {
    const views = this.statements.conditional.all(applicationId).map((r) => JSON.parse(r.doc) as GroupView);
    return definitionId === undefined ? views : views.filter((v) => v.conditions.some((c) => c.user_attribute_definition_id === definitionId));
  }

  async isMember(applicationId: string, groupId: string, userId: string): Promise<boolean> {
    return this.statements.isMember.get(applicationId, groupId, userId) !== undefined;
  }

  async groupsOf(applicationId: string, userId: string): Promise<string[]> {
    return this.statements.groupsOf.all(applicationId, userId).map((r) => r.group_id);
  }

  async membersAmong(applicationId: string, groupId: string, userIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < userIds.length; i += 500) {
      const chunk = userIds.slice(i, i + 500);
      const rows = this.db
        .prepare<Param[], { user_id: string }>(
          `SELECT user_id FROM ${this.membersTable} WHERE application_id = ? AND group_id = ? AND user_id IN (${chunk.map(() => '?').join(', ')})`,
        )
        .all(applicationId, groupId, ...chunk);
      for (const r of rows) found.add(r.user_id);
    }
    return found;
  }

  async members(applicationId: string, groupId: string): Promise<string[]> {
    return this.statements.members.all(applicationId, groupId).map((r) => r.user_id);
  }

  async memberCount(applicationId: string, groupId: string): Promise<number> {
    return this.statements.count.get(applicationId, groupId)?.n ?? 0;
  }

  async importErrors(applicationId: string, jobId: string): Promise<ReportRow[]> {
    return this.statements.errors.all(applicationId, jobId).map((r) => ({ job_id: r.job_id, row: r.row, column: r.col, value: r.value, reason: r.reason }));
  }
}
