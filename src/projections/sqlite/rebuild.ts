import { categoryOf } from '../../events/sqliteEventStore.js';
import type { SyncEventLog } from '../../events/encryptingEventStore.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
import { createSqliteProjections, SqliteCheckpoints } from './sqliteReadStore.js';

const REBUILD_SUFFIX = '_rebuild';
const BATCH = 5000;

export interface RebuildProgress {
  (done: number, total: number): void;
}

/**
 * Rebuilds one read model from position zero into fresh tables, then swaps them in. The tail of
 * the log and the swap happen in one write transaction, so a service running meanwhile loses no
 * event and never sees a half-built model.
 */
export function rebuildSqliteProjection(
  db: SqliteDatabase,
  store: SyncEventLog,
  name: string,
  onProgress: RebuildProgress = () => {},
): { events: number } {
  const live = createSqliteProjections(db).projections.find((p) => p.name === name);
  if (live === undefined) throw new Error(`unknown projection "${name}"`);
  const dropAll = (tables: string[]) => {
    for (const table of tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
  };
  const rebuildTables = () => createSqliteProjections(db, REBUILD_SUFFIX).projections.flatMap((p) => p.tables);
  // Leftovers of an interrupted rebuild are dropped first: the copy must start empty.
  dropAll(rebuildTables());
  const fresh = createSqliteProjections(db, REBUILD_SUFFIX).projections.find((p) => p.name === name);
  if (fresh === undefined) throw new Error(`unknown projection "${name}"`);
  const deferred = fresh.deferIndexesOnRebuild === true ? dropSecondaryIndexes(db, fresh.tables) : [];
  const total = countEvents(db, live.streamPrefixes);
  let position = 0n;
  let done = 0;
  const applyUntilQuiet = () => {
    for (;;) {
      const events = store.readAllSync({ after: position, limit: BATCH, streamPrefixes: fresh.streamPrefixes });
      const last = events.at(-1);
      if (last === undefined) return;
      db.transaction(() => fresh.applySync(events))();
      position = last.position;
      done += events.length;
      onProgress(done, Math.max(total, done));
    }
  };
  // The copy is scratch until the swap (an interrupted rebuild drops it and starts again), so its
  // bulk load need not wait for the disk; the swap below runs at the configured durability.
  const synchronous = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = OFF');
  try {
    applyUntilQuiet();
    for (const sql of deferred) db.exec(sql);
  } finally {
    db.pragma(`synchronous = ${synchronous}`);
  }
  db.transaction(() => {
    applyUntilQuiet();
    dropAll(live.tables);
    fresh.tables.forEach((table, i) => db.exec(`ALTER TABLE ${table} RENAME TO ${live.tables[i] ?? ''}`));
    const head = db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events').get()?.p ?? 0;
    new SqliteCheckpoints(db).setSync(name, BigInt(head));
    const leftovers = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_rebuild%' ESCAPE '\\'")
      .all();
    dropAll(leftovers.map((t) => t.name));
  }).immediate();
  return { events: done };
}

/** Drops the indexes SQLite does not need for the primary key and returns the statements that recreate them. */
function dropSecondaryIndexes(db: SqliteDatabase, tables: string[]): string[] {
  const indexes = db
    .prepare<string[], { name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(', ')})`,
    )
    .all(...tables);
  for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
  return indexes.map((i) => i.sql);
}

function countEvents(db: SqliteDatabase, prefixes: string[]): number {
  const categories = prefixes.map(categoryOf);
  if (categories.every((c) => c !== undefined)) {
    const count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM events WHERE category = ?');
    return [...new Set(categories)].reduce((sum, c) => sum + (count.get(c)?.n ?? 0), 0);
  }
  const where = prefixes.map(() => 'substr(stream, 1, ?) = ?').join(' OR ');
  const params = prefixes.flatMap((p) => [p.length, p]);
  return db.prepare<Array<string | number>, { n: number }>(`SELECT COUNT(*) AS n FROM events WHERE ${where}`).get(...params)?.n ?? 0;
}
