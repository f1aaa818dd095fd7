import type { StoredEvent } from '../../events/envelope.js';
import type { SqliteDatabase } from '../../shared/sqlite.js';
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
}

const matches = (prefixes: string[]) => (event: StoredEvent) => prefixes.some((p) => event.stream.startsWith(p));

function sqliteProjection(
  name: string,
  streamPrefixes: string[],
  tables: string[],
  applySync: (events: StoredEvent[]) => void,
): SqliteProjection {
  const relevant = matches(streamPrefixes);
  const applyRelevant = (events: StoredEvent[]) => {
    const mine = events.filter(relevant);
    if (mine.length > 0) applySync(mine);
  };
  return { name, streamPrefixes, tables, applySync: applyRelevant, apply: async (events) => applyRelevant(events) };
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
    sqliteProjection('customers', customersStreamPrefixes, [customers.table, customers.identifiersTable], (e) =>
      customers.applySync(e),
    ),
    sqliteProjection('access', accessStreamPrefixes, access.tables, (e) => access.applySync(e)),
    sqliteProjection('platformConfigs', platformConfigStreamPrefixes, [platformConfigs.table], (e) => platformConfigs.applySync(e)),
    sqliteProjection('attributes', attributeStreamPrefixes, attributes.tables, (e) => attributes.applySync(e)),
    sqliteProjection('groups', groupStreamPrefixes, groups.tables, (e) => groups.applySync(e)),
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
    const built = createSqliteProjections(db);
    this.customers = built.customers;
    this.access = built.access;
    this.platformConfigs = built.platformConfigs;
    this.attributeDefinitions = built.attributes.definitions;
    this.userAttributes = built.attributes.values;
    this.groups = built.groups;
    this.projections = built.projections;
    this.checkpoints = new SqliteCheckpoints(db);
  }

  /** Runs inside the event store's append transaction: the read models commit with the events. */
  readonly inlineProjector = (events: StoredEvent[]): void => {
    const last = events.at(-1);
    if (last === undefined) return;
    for (const projection of this.projections) {
      projection.applySync(events);
      this.checkpoints.setSync(projection.name, last.position);
    }
  };

  async close(): Promise<void> {}
}
