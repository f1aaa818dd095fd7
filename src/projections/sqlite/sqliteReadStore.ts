import type { StoredEvent } from '../../events/envelope.js';
import { openSqlite, type SqliteDatabase } from '../../shared/sqlite.js';
import { accessStreamPrefixes } from '../access/accessView.js';
import { attributeStreamPrefixes } from '../attributes/attributeViews.js';
import { customersStreamPrefixes } from '../customers/customerView.js';
import type { CheckpointStore, Projection, ReadStore } from '../readStore.js';
import { platformConfigStreamPrefixes } from '../platformConfigs/platformConfigView.js';
import { SqliteAccessReadModel } from './sqliteAccess.js';
import { SqliteAttributesReadModel } from './sqliteAttributes.js';
import { SqliteGroupsReadModel } from './sqliteGroups.js';
import { groupStreamPrefixes } from '../groups/groupView.js';
import { SqlitePlatformConfigReadModel } from './sqlitePlatformConfigs.js';
import { registerRegexp, SqliteCustomersReadModel } from './sqliteCustomers.js';

export interface SqliteProjection extends Projection {
  applySync(events: StoredEvent[]): void;
  /** Tables this projection owns, in the same order for the live and the rebuilt copy. */
  tables: string[];
  /**
   * Its applies find rows by primary key only, so a rebuild may load the copy without its
   * secondary indexes and build them once at the end, which is much faster than maintaining them.
   */
  deferIndexesOnRebuild?: boolean;
  /**
   * Raise it whenever the projection's tables or what it writes change. On the next start the
   * embedded store drops that read model and the runner rebuilds it from the log before serving,
   * so an upgraded service never reads tables laid out by an older version.
   */
  version: number;
}

const matches = (prefixes: string[]) => (event: StoredEvent) => prefixes.some((p) => event.stream.startsWith(p));

function sqliteProjection(
  name: string,
  version: number,
  streamPrefixes: string[],
  tables: string[],
  applySync: (events: StoredEvent[]) => void,
): SqliteProjection {
  const relevant = matches(streamPrefixes);
  const applyRelevant = (events: StoredEvent[]) => {
    const mine = events.filter(relevant);
    if (mine.length > 0) applySync(mine);
  };
  return { name, version, streamPrefixes, tables, applySync: applyRelevant, apply: async (events) => applyRelevant(events) };
}

export class SqliteCheckpoints implements CheckpointStore {
  private readonly statements;
  constructor(db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    this.statements = {
      get: db.prepare<[string], { position: number }>('SELECT position FROM projection_checkpoints WHERE name = ?'),
      set: db.prepare(
        'INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      ),
    };
  }
  getSync(name: string): bigint {
    return BigInt(this.statements.get.get(name)?.position ?? 0);
  }
  setSync(name: string, position: bigint): void {
    this.statements.set.run(name, Number(position));
  }
  async get(name: string): Promise<bigint> {
    return this.getSync(name);
  }
  async set(name: string, position: bigint): Promise<void> {
    this.setSync(name, position);
  }
}

/** The projections of the embedded store, built on the given tables (live ones, or a rebuild's). */
export function createSqliteProjections(db: SqliteDatabase, suffix = '') {
  const customers = new SqliteCustomersReadModel(db, `customers${suffix}`);
  const access = new SqliteAccessReadModel(db, suffix);
  const platformConfigs = new SqlitePlatformConfigReadModel(db, `platform_configs${suffix}`);
  const attributes = new SqliteAttributesReadModel(db, suffix);
  const groups = new SqliteGroupsReadModel(db, suffix);
  const projections: SqliteProjection[] = [
    {
      ...sqliteProjection('customers', 2, customersStreamPrefixes, [customers.table, customers.identifiersTable], (e) => customers.applySync(e)),
      deferIndexesOnRebuild: true,
    },
    sqliteProjection('access', 1, accessStreamPrefixes, access.tables, (e) => access.applySync(e)),
    sqliteProjection('platformConfigs', 1, platformConfigStreamPrefixes, [platformConfigs.table], (e) => platformConfigs.applySync(e)),
    sqliteProjection('attributes', 2, attributeStreamPrefixes, attributes.tables, (e) => attributes.applySync(e)),
    sqliteProjection('groups', 1, groupStreamPrefixes, groups.tables, (e) => groups.applySync(e)),
  ];
  return { customers, access, platformConfigs, attributes, groups, projections };
}

export class SqliteReadStore implements ReadStore {
  readonly customers;
  readonly access;
  readonly platformConfigs;
  readonly attributeDefinitions;
  readonly userAttributes;
  readonly groups;
  readonly projections: SqliteProjection[];
  readonly checkpoints: SqliteCheckpoints;

  constructor(readonly db: SqliteDatabase) {
    registerRegexp(db);
    this.checkpoints = new SqliteCheckpoints(db);
    this.dropOutdatedReadModels();
    const built = createSqliteProjections(db);
    this.customers = built.customers;
    this.access = built.access;
    this.platformConfigs = built.platformConfigs;
    this.attributeDefinitions = built.attributes.definitions;
    this.userAttributes = built.attributes.values;
    this.groups = built.groups;
    this.projections = built.projections;
  }

  /**
   * A read model written by another version of its projection (or by one from before versions
   * were recorded) is dropped with its checkpoint; the tables are created afresh and the runner's
   * catch-up at start-up refills them from the log.
   */
  private dropOutdatedReadModels(): void {
    const db = this.db;
    // Names, versions and tables come from a scratch in-memory copy: building the read models on
    // this database would prepare statements against the very tables that may be missing.
    const scratch = openSqlite(':memory:');
    const { projections } = createSqliteProjections(scratch);
    scratch.close();
    db.exec('CREATE TABLE IF NOT EXISTS projection_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    const stored = new Map(
      db.prepare<[], { name: string; version: number }>('SELECT name, version FROM projection_versions').all().map((r) => [r.name, r.version]),
    );
    const outdated = projections.filter((p) => stored.get(p.name) !== p.version);
    if (outdated.length === 0) return;
    const record = db.prepare('INSERT INTO projection_versions (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version');
    db.transaction(() => {
      for (const projection of outdated) {
        for (const table of projection.tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
        this.checkpoints.setSync(projection.name, 0n);
        record.run(projection.name, projection.version);
      }
    })();
  }

  /** Runs inside the event store's append transaction: the read models commit with the events. */
  readonly inlineProjector = (events: StoredEvent[]): void => {
    for (const projection of this.projections) projection.applySync(events);
  };

  /** Every projection has applied every event up to the group's last one, in the same transaction. */
  readonly inlineCheckpoint = (position: bigint): void => {
    for (const projection of this.projections) this.checkpoints.setSync(projection.name, position);
  };

  async close(): Promise<void> {}
}
