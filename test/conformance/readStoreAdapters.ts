import { SqliteReadStore } from '../../src/projections/sqlite/sqliteReadStore.js';
import { openSqlite } from '../../src/shared/sqlite.js';
import { mongoReadStoreFactory } from '../support/remoteAdapters.js';
import type { ReadStoreUnderTest } from './readStoreSuite.js';

type Suite = (name: string, open: () => Promise<ReadStoreUnderTest>, skipBecause?: string) => void;

/**
 * Runs a read-store conformance suite on every adapter: the embedded SQLite store, and MongoDB
 * when MONGODB_URL is set (otherwise its run is skipped, and says so).
 */
export function onEveryReadStore(what: string, suite: Suite): void {
  suite('SQLite (embedded)', async () => {
    const db = openSqlite(':memory:');
    return { readStore: new SqliteReadStore(db), cleanup: async () => void db.close() };
  });
  const mongo = mongoReadStoreFactory();
  const mongoMissing = mongo === undefined ? 'MONGODB_URL is not set' : undefined;
  if (mongoMissing !== undefined) console.warn(`SKIPPED: MongoDB ${what} conformance suite (${mongoMissing}; set it to run against a server)`);
  suite(
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
}
