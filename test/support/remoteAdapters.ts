import type { EventStore } from '../../src/events/eventStore.js';
import type { ReadStore } from '../../src/projections/readStore.js';

// Placeholder until the production adapters land; replaced by the real factories.
export function eventStoreDbFactory(): (() => Promise<EventStore>) | undefined {
  return undefined;
}
export function mongoReadStoreFactory(): (() => Promise<ReadStore & { dropAll(): Promise<void> }>) | undefined {
  return undefined;
}
