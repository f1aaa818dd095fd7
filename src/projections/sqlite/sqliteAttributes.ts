import type { Statement } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { indexEntriesOf, type IndexEntry } from '../../commands/attributeDefinition/attributeTypes.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import type { AttributeUserQuery, Bound } from '../attributes/attributeFilter.js';
import type { AttributeDefinitionsReadModel, DefinitionListQuery, UserAttributesReadModel } from '../attributes/attributeReadModels.js';
import {
  evolveDefinitionView,
  evolveUserAttributeView,
  isDefinitionEvent,
  type AttributeDefinitionView,
  type UserAttributeView,
} from '../attributes/attributeViews.js';
import type { Page } from '../readStore.js';
import { attributeFilterSql, userOrderPageSql, type Param } from './sqliteAttributeFilter.js';

interface Doc {
  doc: string;
}
const parse = <T>(row: Doc | undefined): T | null => (row === undefined ? null : (JSON.parse(row.doc) as T));
const json = (ids: string[]) => JSON.stringify(ids);

/**
 * The filterable elements of a stored value, each once: a user matches an equality once, however
 * often the value repeats. What the value index holds and the per-value counts count.
 */
function entriesOf(view: UserAttributeView | null, definition: AttributeDefinitionView | null): IndexEntry[] {
  if (view === null || view.deleted || view.encrypted || definition === null) return [];
  const distinct = new Map(indexEntriesOf(definition.type, definition.is_multi_value, view.value).map((e) => [countedValue(e), e]));
  return [...distinct.values()];
}

/** The value an entry is counted and deduplicated under. */
const countedValue = (entry: IndexEntry): number | string => entry.num ?? entry.text ?? '';

/**
 * Attribute definitions and values as rows, and every filterable element of a value in a side
 * table indexed by (application, definition, value): a filter is index ranges, not a scan of
 * users. Deleted definitions and values stay as tombstones so a replayed event changes nothing.
 */
export class SqliteAttributesReadModel {
  readonly definitionsTable: string;
  readonly valuesTable: string;
  readonly indexTable: string;
  /** Users per (definition, value): a single equality or range condition is counted from here, not row by row. */
  readonly countsTable: string;
  /** Users per definition with a filterable value: how selective a condition is. */
  readonly populationsTable: string;
  private readonly statements;
  private readonly dynamic = new Map<string, Statement<Param[], unknown>>();
  readonly definitions: AttributeDefinitionsReadModel = {
    get: async (applicationId, definitionId) => parse(this.statements.liveDefinition.get(applicationId, definitionId)),
    getMany: async (applicationId, definitionIds) => this.definitionsById(applicationId, definitionIds),
    list: async (query) => this.listDefinitions(query),
  };
  readonly values: UserAttributesReadModel = {
    get: async (applicationId, definitionId, userId) => parse(this.statements.liveValue.get(applicationId, definitionId, userId)),
    getById: async (applicationId, attributeId) => parse(this.statements.byId.get(attributeId, applicationId)),
    listForUser: async (applicationId, userId, page) => this.valuesOfUser(applicationId, userId, page),
    ofUsers: async (applicationId, userIds, definitionIds) => this.valuesOfUsers(applicationId, userIds, definitionIds),
    ofDefinition: async (applicationId, definitionId) =>
      this.statements.ofDefinition.all(applicationId, definitionId).map((r) => JSON.parse(r.doc) as UserAttributeView),
    hasValues: async (applicationId, definitionId) => this.statements.anyOfDefinition.get(applicationId, definitionId) !== undefined,
    filterUsers: async (query) => this.filterUsers(query),
  };

  constructor(
    private readonly db: SqliteDatabase,
    suffix = '',
  ) {
    this.definitionsTable = `attribute_definitions${suffix}`;
    this.valuesTable = `user_attributes${suffix}`;
    this.indexTable = `user_attribute_values${suffix}`;
    this.countsTable = `user_attribute_counts${suffix}`;
    this.populationsTable = `user_attribute_populations${suffix}`;
    this.migrate();
    const [d, v, x] = [this.definitionsTable, this.valuesTable, this.indexTable];
    this.statements = {
      definition: db.prepare<[string, string], Doc>(`SELECT doc FROM ${d} WHERE application_id = ? AND definition_id = ?`),
      putDefinition: db.prepare(
        `INSERT INTO ${d} (application_id, definition_id, seq, revision, deleted, slug, type, name_fold, customer_editable,
           encrypted, pinned, pin_order, is_locked, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (application_id, definition_id) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted,
           slug = excluded.slug, type = excluded.type, name_fold = excluded.name_fold, customer_editable = excluded.customer_editable,
           encrypted = excluded.encrypted, pinned = excluded.pinned, pin_order = excluded.pin_order, is_locked = excluded.is_locked,
           doc = excluded.doc`,
      ),
      value: db.prepare<[string, string, string], Doc>(`SELECT doc FROM ${v} WHERE application_id = ? AND definition_id = ? AND user_id = ?`),
      putValue: db.prepare(
        `INSERT INTO ${v} (application_id, definition_id, user_id, attribute_id, seq, revision, deleted, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (application_id, definition_id, user_id) DO UPDATE SET attribute_id = excluded.attribute_id, seq = excluded.seq,
           revision = excluded.revision, deleted = excluded.deleted, doc = excluded.doc`,
      ),
      rewriteValue: db.prepare(`UPDATE ${v} SET revision = ?, doc = ? WHERE application_id = ? AND definition_id = ? AND user_id = ?`),
      dropEntriesFrom: db.prepare(`DELETE FROM ${x} WHERE application_id = ? AND definition_id = ? AND user_id = ? AND element >= ?`),
      putEntry: db.prepare(
        `INSERT INTO ${x} (application_id, definition_id, user_id, element, value_num, value_text, value_fold) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (application_id, definition_id, user_id, element) DO UPDATE SET value_num = excluded.value_num,
           value_text = excluded.value_text, value_fold = excluded.value_fold`,
      ),
      cascadeValues: db.prepare(
        `UPDATE ${v} SET deleted = 1, doc = json_set(doc, '$.deleted', json('true')) WHERE application_id = ? AND definition_id = ? AND deleted = 0`,
      ),
      cascadeEntries: db.prepare(`DELETE FROM ${x} WHERE application_id = ? AND definition_id = ?`),
      countUp: db.prepare(
        `INSERT INTO ${this.countsTable} (application_id, definition_id, value, n) VALUES (?, ?, ?, 1)
         ON CONFLICT (application_id, definition_id, value) DO UPDATE SET n = n + 1`,
      ),
      countDown: db.prepare(`UPDATE ${this.countsTable} SET n = n - 1 WHERE application_id = ? AND definition_id = ? AND value = ?`),
      // A value nobody holds any more is not kept: it may be the last trace of an erased person.
      dropLastHolder: db.prepare(`DELETE FROM ${this.countsTable} WHERE application_id = ? AND definition_id = ? AND value = ? AND n <= 1`),
      cascadeCounts: db.prepare(`DELETE FROM ${this.countsTable} WHERE application_id = ? AND definition_id = ?`),
      populationUp: db.prepare(
        `INSERT INTO ${this.populationsTable} (application_id, definition_id, n) VALUES (?, ?, 1)
         ON CONFLICT (application_id, definition_id) DO UPDATE SET n = n + 1`,
      ),
      populationDown: db.prepare(`UPDATE ${this.populationsTable} SET n = n - 1 WHERE application_id = ? AND definition_id = ?`),
      population: db.prepare<[string, string], { n: number }>(`SELECT n FROM ${this.populationsTable} WHERE application_id = ? AND definition_id = ?`),
      cascadePopulation: db.prepare(`DELETE FROM ${this.populationsTable} WHERE application_id = ? AND definition_id = ?`),
      liveDefinition: db.prepare<[string, string], Doc>(
        `SELECT doc FROM ${d} WHERE application_id = ? AND definition_id = ? AND deleted = 0`,
      ),
      manyDefinitions: db.prepare<[string, string], Doc>(
        `SELECT doc FROM ${d} WHERE application_id = ? AND definition_id IN (SELECT value FROM json_each(?)) AND deleted = 0`,
      ),
      liveValue: db.prepare<[string, string, string], Doc>(
        `SELECT doc FROM ${v} WHERE application_id = ? AND definition_id = ? AND user_id = ? AND deleted = 0`,
      ),
      byId: db.prepare<[string, string], Doc>(`SELECT doc FROM ${v} WHERE attribute_id = ? AND application_id = ? AND deleted = 0`),
      forUser: db.prepare<[string, string, number, number], Doc>(
        `SELECT doc FROM ${v} WHERE application_id = ? AND user_id = ? AND deleted = 0 ORDER BY seq DESC LIMIT ? OFFSET ?`,
      ),
      countForUser: db.prepare<[string, string], { n: number }>(
        `SELECT COUNT(*) AS n FROM ${v} WHERE application_id = ? AND user_id = ? AND deleted = 0`,
      ),
      ofUsers: db.prepare<[string, string], Doc>(
        `SELECT doc FROM ${v} WHERE application_id = ? AND user_id IN (SELECT value FROM json_each(?)) AND deleted = 0 ORDER BY user_id, seq DESC`,
      ),
      ofUsersAndDefinitions: db.prepare<[string, string, string], Doc>(
        `SELECT doc FROM ${v} WHERE application_id = ? AND definition_id IN (SELECT value FROM json_each(?))
           AND user_id IN (SELECT value FROM json_each(?)) AND deleted = 0 ORDER BY user_id, seq DESC`,
      ),
      ofDefinition: db.prepare<[string, string], Doc>(
        `SELECT doc FROM ${v} WHERE application_id = ? AND definition_id = ? AND deleted = 0`,
      ),
      anyOfDefinition: db.prepare<[string, string], { one: number }>(
        `SELECT 1 AS one FROM ${v} WHERE application_id = ? AND definition_id = ? AND deleted = 0 LIMIT 1`,
      ),
    };
  }

  get tables(): string[] {
    return [this.definitionsTable, this.valuesTable, this.indexTable, this.countsTable, this.populationsTable];
  }

  private migrate(): void {
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(this.definitionsTable);
    if (exists !== undefined) return;
    // Index names carry a random suffix so that a rebuilt table can be renamed over this one later.
    const tag = randomBytes(4).toString('hex');
    const [d, v, x] = [this.definitionsTable, this.valuesTable, this.indexTable];
    this.db.exec(`
      CREATE TABLE ${d} (
        application_id TEXT NOT NULL, definition_id TEXT NOT NULL, seq INTEGER NOT NULL, revision INTEGER NOT NULL,
        deleted INTEGER NOT NULL, slug TEXT NOT NULL, type TEXT NOT NULL, name_fold TEXT NOT NULL,
        customer_editable INTEGER NOT NULL, encrypted INTEGER NOT NULL, pinned INTEGER NOT NULL, pin_order INTEGER,
        is_locked INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (application_id, definition_id)
      ) WITHOUT ROWID;
      CREATE INDEX ${d}_seq_${tag} ON ${d} (application_id, deleted, seq);
      CREATE TABLE ${v} (
        application_id TEXT NOT NULL, definition_id TEXT NOT NULL, user_id TEXT NOT NULL, attribute_id TEXT NOT NULL,
        seq INTEGER NOT NULL, revision INTEGER NOT NULL, deleted INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (application_id, definition_id, user_id)
      ) WITHOUT ROWID;
      CREATE INDEX ${v}_id_${tag} ON ${v} (attribute_id);
      CREATE INDEX ${v}_user_${tag} ON ${v} (application_id, user_id, deleted, seq);
      CREATE TABLE ${x} (
        application_id TEXT NOT NULL, definition_id TEXT NOT NULL, user_id TEXT NOT NULL, element INTEGER NOT NULL,
        value_num REAL, value_text TEXT, value_fold TEXT,
        PRIMARY KEY (application_id, definition_id, user_id, element)
      ) WITHOUT ROWID;
      CREATE INDEX ${x}_num_${tag} ON ${x} (application_id, definition_id, value_num, user_id) WHERE value_num IS NOT NULL;
      CREATE INDEX ${x}_text_${tag} ON ${x} (application_id, definition_id, value_text, user_id) WHERE value_text IS NOT NULL;
      CREATE TABLE ${this.countsTable} (
        application_id TEXT NOT NULL, definition_id TEXT NOT NULL, value NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (application_id, definition_id, value)
      ) WITHOUT ROWID;
      CREATE TABLE ${this.populationsTable} (
        application_id TEXT NOT NULL, definition_id TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (application_id, definition_id)
      ) WITHOUT ROWID;
    `);
  }

  /** Applies events in log order; one read and one write per definition and per value, however many events each has. */
  applySync(events: StoredEvent[]): void {
    const definitions = new Map<string, { view: AttributeDefinitionView | null; dirty: boolean }>();
    const values = new Map<string, { view: UserAttributeView | null; stored: UserAttributeView | null; dirty: boolean }>();
    const cascades: Array<{ application_id: string; definition_id: string }> = [];
    const definitionOf = (applicationId: string, definitionId: string) => {
      let entry = definitions.get(definitionId);
      if (entry === undefined) {
        entry = { view: parse<AttributeDefinitionView>(this.statements.definition.get(applicationId, definitionId)), dirty: false };
        definitions.set(definitionId, entry);
      }
      return entry;
    };
    for (const event of events) {
      const data = event.data as { application_id: string; definition_id: string; user_id?: string };
      const definition = definitionOf(data.application_id, data.definition_id);
      if (isDefinitionEvent(event)) {
        const next = evolveDefinitionView(definition.view, event);
        if (next === definition.view) continue;
        if (next?.deleted === true && definition.view?.deleted !== true) cascades.push(data);
        definition.view = next;
        definition.dirty = true;
        continue;
      }
      const key = `${data.definition_id}/${data.user_id ?? ''}`;
      let value = values.get(key);
      if (value === undefined) {
        const loaded = parse<UserAttributeView>(this.statements.value.get(data.application_id, data.definition_id, data.user_id ?? ''));
        value = { view: loaded, stored: loaded, dirty: false };
        values.set(key, value);
      }
      const next = evolveUserAttributeView(value.view, event, definition.view);
      if (next === value.view) continue;
      value.view = next;
      value.dirty = true;
    }
    for (const { view, dirty } of definitions.values()) if (dirty && view !== null) this.writeDefinition(view);
    for (const { view, stored, dirty } of values.values()) {
      if (!dirty || view === null) continue;
      this.writeValue(view, stored, definitions.get(view.definition_id)?.view ?? null);
    }
    // After the values: a value of this batch that the deletion's command did not know of goes too.
    for (const { application_id, definition_id } of cascades) {
      this.statements.cascadeValues.run(application_id, definition_id);
      this.statements.cascadeEntries.run(application_id, definition_id);
      this.statements.cascadeCounts.run(application_id, definition_id);
      this.statements.cascadePopulation.run(application_id, definition_id);
    }
  }

  private writeDefinition(view: AttributeDefinitionView): void {
    this.statements.putDefinition.run(
      view.application_id,
      view.definition_id,
      view.seq,
      view.revision,
      view.deleted ? 1 : 0,
      view.slug,
      view.type,
      view.name.toLowerCase(),
      view.customer_editable ? 1 : 0,
      view.encrypted ? 1 : 0,
      view.pinned ? 1 : 0,
      view.pin_order ?? null,
      view.is_locked ? 1 : 0,
      JSON.stringify(view),
    );
  }

  /**
   * `stored`: the row as it was before this batch. Only what changed is written: every index row
   * touched is a page of a B-tree written to the WAL and checkpointed, at random places (ids are
   * random), and that write-back was most of an upsert's commit.
   */
  private writeValue(view: UserAttributeView, stored: UserAttributeView | null, definition: AttributeDefinitionView | null): void {
    const { application_id, definition_id, user_id } = view;
    const s = this.statements;
    const sameKeys = stored !== null && stored.attribute_id === view.attribute_id && stored.seq === view.seq && stored.deleted === view.deleted;
    // A rewrite of a live value leaves its id, position and liveness, so its indexes, as they are.
    if (sameKeys) s.rewriteValue.run(view.revision, JSON.stringify(view), application_id, definition_id, user_id);
    else s.putValue.run(application_id, definition_id, user_id, view.attribute_id, view.seq, view.revision, view.deleted ? 1 : 0, JSON.stringify(view));
    const [before, after] = [entriesOf(stored, definition), entriesOf(view, definition)];
    const [held, holds] = [new Set(before.map(countedValue)), new Set(after.map(countedValue))];
    for (const value of held) {
      if (holds.has(value)) continue;
      if (s.dropLastHolder.run(application_id, definition_id, value).changes === 0) s.countDown.run(application_id, definition_id, value);
    }
    for (const value of holds) if (!held.has(value)) s.countUp.run(application_id, definition_id, value);
    if (held.size === 0 && holds.size > 0) s.populationUp.run(application_id, definition_id);
    if (held.size > 0 && holds.size === 0) s.populationDown.run(application_id, definition_id);
    after.forEach((entry, i) => {
      const was = before[i];
      if (was !== undefined && was.num === entry.num && was.text === entry.text) return;
      s.putEntry.run(application_id, definition_id, user_id, i, entry.num ?? null, entry.text ?? null, entry.fold ?? null);
    });
    // Fewer elements than before; with no element, whatever the index holds for the row goes.
    if (stored !== null && after.length < Math.max(before.length, 1)) s.dropEntriesFrom.run(application_id, definition_id, user_id, after.length);
  }

  /** Statements by SQL text: a query's shape, not its values, decides the text. */
  private cached<Row>(sql: string): Statement<Param[], Row> {
    let statement = this.dynamic.get(sql);
    if (statement === undefined) {
      if (this.dynamic.size >= 200) this.dynamic.clear();
      statement = this.db.prepare<Param[], unknown>(sql);
      this.dynamic.set(sql, statement);
    }
    return statement as Statement<Param[], Row>;
  }

  private definitionsById(applicationId: string, definitionIds: string[]): AttributeDefinitionView[] {
    if (definitionIds.length === 0) return [];
    return this.statements.manyDefinitions.all(applicationId, json(definitionIds)).map((r) => JSON.parse(r.doc) as AttributeDefinitionView);
  }

  private listDefinitions(query: DefinitionListQuery): { items: AttributeDefinitionView[]; total: number } {
    const params: Param[] = [query.application_id];
    const where = ['application_id = ?', 'deleted = 0'];
    const equal = (column: string, value: string | number | boolean | undefined) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    };
    equal('slug', query.slug);
    equal('type', query.type);
    equal('customer_editable', query.customer_editable);
    equal('encrypted', query.encrypted);
    equal('pinned', query.pinned);
    equal('pin_order', query.pin_order);
    equal('is_locked', query.is_locked);
    if (query.name !== undefined) {
      where.push('instr(name_fold, ?) > 0');
      params.push(query.name.toLowerCase());
    }
    if (query.excluding_ids !== undefined && query.excluding_ids.length > 0) {
      where.push('definition_id NOT IN (SELECT value FROM json_each(?))');
      params.push(json(query.excluding_ids));
    }
    const filter = where.join(' AND ');
    const total = this.cached<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.definitionsTable} WHERE ${filter}`).get(...params)?.n ?? 0;
    const { page_no, page_size } = query.page;
    const rows = this.cached<Doc>(`SELECT doc FROM ${this.definitionsTable} WHERE ${filter} ORDER BY seq DESC LIMIT ? OFFSET ?`).all(
      ...params,
      page_size,
      (page_no - 1) * page_size,
    );
    return { items: rows.map((r) => JSON.parse(r.doc) as AttributeDefinitionView), total };
  }

  private valuesOfUser(applicationId: string, userId: string, page: Page): { items: UserAttributeView[]; total: number } {
    const total = this.statements.countForUser.get(applicationId, userId)?.n ?? 0;
    const rows = this.statements.forUser.all(applicationId, userId, page.page_size, (page.page_no - 1) * page.page_size);
    return { items: rows.map((r) => JSON.parse(r.doc) as UserAttributeView), total };
  }

  private valuesOfUsers(applicationId: string, userIds: string[], definitionIds?: string[]): UserAttributeView[] {
    if (userIds.length === 0 || definitionIds?.length === 0) return [];
    const rows =
      definitionIds === undefined
        ? this.statements.ofUsers.all(applicationId, json(userIds))
        : this.statements.ofUsersAndDefinitions.all(applicationId, json(definitionIds), json(userIds));
    return rows.map((r) => JSON.parse(r.doc) as UserAttributeView);
  }

  /**
   * A lone equality or range condition is counted from the per-value counts (a few rows, however
   * many users match); a user of a single-value definition has one value, so the sum is exact.
   */
  private quickCount(query: AttributeUserQuery): number | undefined {
    const [only, ...more] = query.conditions;
    if (only === undefined || more.length > 0 || query.user_ids !== undefined) return undefined;
    if (only.negate && only.multi) return undefined;
    const { match } = only;
    const params: Param[] = [query.application_id, only.definition_id];
    let where: string;
    if (match.op === 'eq') {
      where = 'value = ?';
      params.push(match.value);
    } else if (match.op === 'in' && !only.multi) {
      where = `value IN (${match.values.map(() => '?').join(', ')})`;
      params.push(...new Set(match.values));
    } else if (match.op === 'range' && !only.multi) {
      const bounds: string[] = [];
      const bound = (b: Bound | undefined, op: '>' | '<') => {
        if (b === undefined) return;
        bounds.push(`value ${op}${b.inclusive ? '=' : ''} ?`);
        params.push(b.value);
      };
      bound(match.min, '>');
      bound(match.max, '<');
      where = bounds.join(' AND ');
    } else {
      return undefined;
    }
    const sql = `SELECT COALESCE(SUM(n), 0) AS n FROM ${this.countsTable} WHERE application_id = ? AND definition_id = ? AND ${where}`;
    const matching = this.cached<{ n: number }>(sql).get(...params)?.n ?? 0;
    // One value per user: those who do not match are the others who have a value.
    return only.negate ? this.population(query.application_id, only.definition_id) - matching : matching;
  }

  private population(applicationId: string, definitionId: string): number {
    return this.statements.population.get(applicationId, definitionId)?.n ?? 0;
  }

  private filterUsers(query: AttributeUserQuery): { user_ids: string[]; total: number } {
    const { sql, params } = attributeFilterSql(query, this.indexTable);
    const total = this.quickCount(query) ?? this.cached<{ n: number }>(`SELECT COUNT(*) AS n FROM (${sql})`).get(...params)?.n ?? 0;
    const { page_no, page_size } = query.page;
    const offset = (page_no - 1) * page_size;
    if (total === 0 || offset >= total) return { user_ids: [], total };
    const [only, ...more] = query.conditions;
    // An equality reads its matches from the value index already in user-id order. Otherwise,
    // sorting every match costs about `total`, and walking users in order until the page is full
    // about (offset + page) / selectivity: take the cheaper.
    const ordered = only?.match.op === 'eq' && !only.negate;
    if (only !== undefined && !ordered && more.length === 0 && !(only.negate && only.multi) && query.user_ids === undefined) {
      const population = this.population(query.application_id, only.definition_id);
      if (((offset + page_size) * population) / total < total) {
        const scan = userOrderPageSql(only, this.indexTable, query.application_id);
        const rows = this.cached<{ user_id: string }>(scan.sql).all(...scan.params, page_size, offset);
        return { user_ids: rows.map((r) => r.user_id), total };
      }
    }
    const rows = this.cached<{ user_id: string }>(`SELECT user_id FROM (${sql}) ORDER BY user_id LIMIT ? OFFSET ?`).all(...params, page_size, offset);
    return { user_ids: rows.map((r) => r.user_id), total };
  }
}
