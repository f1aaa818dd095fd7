import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { EventStore } from './events/eventStore.js';
import type { ReadStore } from './projections/readStore.js';

export interface RemoteAdapters {
  eventStore?: EventStore;
  readStore?: ReadStore;
  close(): Promise<void>;
}

/** The production adapters, chosen by configuration; none when the embedded default runs alone. */
export async function openRemoteAdapters(config: Config, _logger: Logger): Promise<RemoteAdapters> {
  const opened: RemoteAdapters = { close: async () => {} };
  if (config.EVENTSTORE_URL !== undefined) {
    throw new Error('EVENTSTORE_URL: the EventStoreDB adapter is not wired yet');
  }
  if (config.MONGODB_URL !== undefined) {
    throw new Error('MONGODB_URL: the MongoDB adapter is not wired yet');
  }
  return opened;
}
