import { randomBytes } from 'node:crypto';
import { EventStoreDbEventStore } from '../../src/events/eventStoreDbEventStore.js';
import type { EventStore } from '../../src/events/eventStore.js';
import { MongoReadStore } from '../../src/projections/mongo/mongoReadStore.js';
import type { ReadStore } from '../../src/projections/readStore.js';

const configured = (name: string): string | undefined => {
  const value = process.env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/** A fresh EventStoreDB adapter per call (its own client); undefined when EVENTSTORE_URL is unset. */
export function eventStoreDbFactory(): (() => Promise<EventStore>) | undefined {
  const url = configured('EVENTSTORE_URL');
  if (url === undefined) return undefined;
  return async () => EventStoreDbEventStore.connect(url);
}

/** A MongoDB read store in a database of its own per call; dropAll() removes that database. */
export function mongoReadStoreFactory(): (() => Promise<ReadStore & { dropAll(): Promise<void> }>) | undefined {
  const url = configured('MONGODB_URL');
  if (url === undefined) return undefined;
  return async () => {
    const store = await MongoReadStore.connect(url, `user_service_test_${randomBytes(6).toString('hex')}`);
    await store.init();
    return Object.assign(store, { dropAll: async () => void (await store.db.dropDatabase()) });
  };
}
