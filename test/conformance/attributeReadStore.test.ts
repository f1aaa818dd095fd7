import { openSqlite } from '../../src/shared/sqlite.js';
import { SqliteReadStore } from '../../src/projections/sqlite/sqliteReadStore.js';
import { mongoReadStoreFactory } from '../support/remoteAdapters.js';
import { attributeReadStoreConformance } from './attributeReadStoreSuite.js';

attributeReadStoreConformance('SQLite (embedded)', async () => {
  const db = openSqlite(':memory:');
  return {
    readStore: new SqliteReadStore(db),
    cleanup: async () => {
      db.close();
    },
  };
});

const mongo = mongoReadStoreFactory();
const mongoMissing = mongo === undefined ? 'MONGODB_URL is not set' : undefined;
if (mongoMissing !== undefined) console.warn(`SKIPPED: MongoDB attribute read-model conformance suite (${mongoMissing}; set it to run against a server)`);
attributeReadStoreConformance(
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
