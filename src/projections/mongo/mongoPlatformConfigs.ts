import type { Collection, Db } from 'mongodb';
import type { StoredEvent } from '../../events/envelope.js';
import { evolvePlatformConfigView, type PlatformConfigView } from '../platformConfigs/platformConfigView.js';
import type { PlatformConfigReadModel } from '../readStore.js';
import { replaceIfNewer, writeNewer } from './newerRevisionWrites.js';

type PlatformConfigDoc = PlatformConfigView & { _id: string };

export class MongoPlatformConfigReadModel implements PlatformConfigReadModel {
  private readonly collection: Collection<PlatformConfigDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PlatformConfigDoc>('platform_configs');
  }

  /** Each event carries the whole document: the batch's last one per application is the one to keep. */
  async apply(events: StoredEvent[]): Promise<void> {
    const latest = new Map<string, PlatformConfigView>();
    for (const event of events) {
      const applicationId = event.stream.slice('platformConfig-'.length);
      const current = latest.get(applicationId) ?? (await this.get(applicationId));
      const next = evolvePlatformConfigView(current, event);
      if (next !== null) latest.set(applicationId, next);
    }
    await writeNewer(
      this.collection,
      [...latest.entries()].map(([id, view]) => replaceIfNewer<PlatformConfigDoc>(id, view)),
    );
  }

  async get(applicationId: string): Promise<PlatformConfigView | null> {
    const doc = await this.collection.findOne({ _id: applicationId });
    if (doc === null) return null;
    const { _id: _ignored, ...view } = doc;
    return view;
  }
}
