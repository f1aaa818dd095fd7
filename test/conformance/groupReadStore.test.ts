import { openSqlite } from '../../src/shared/sqlite.js';
import { SqliteReadStore } from '../../src/projections/sqlite/sqliteReadStore.js';
import { mongoReadStoreFactory } from '../support/remoteAdapters.js';
import { groupReadStoreConformance } from './groupReadStoreSuite.js';

groupReadStoreConformance('SQLite (embedded)', async () => {
  const db = openSqlite(':memory:');
  return { readStore: new SqliteReadStore(db), cleanup: async () => void db.close() };
});

const mongo = mongoReadStoreFactory();
const mongoMissing = mongo === undefined ? 'MONGODB_URL is not set' : undefined;
if (mongoMissing !== undefined) console.warn(`SKIPPED: MongoDB groups read-model conformance suite (${mongoMissing}; set it to run against a server)`);
groupReadStoreConformance(
  'MongoDB',
  async () => {
    if (mongo === undefined) throw new Error(mongoMissing);
    const readStore = await mongo();
    return {
      readStore,
      cleanup: async () => {
        await readStore.dropAll();
        await readStore.close();
      },
    };
  },
  mongoMissing,
);
