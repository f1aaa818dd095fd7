import type { Collection, Db } from 'mongodb';
import type { DataKeyStore, StoredDataKey } from './dataKeys.js';

interface KeyDocument {
  _id: string;
  wrapped_key: string | null;
  destroyed_at?: Date;
}

const toStored = (doc: KeyDocument): StoredDataKey => (doc.wrapped_key === null ? { destroyed: true } : { wrapped: doc.wrapped_key });

/**
 * Data keys in production: a collection of their own in the MongoDB database (never in
 * EventStoreDB, whose log cannot forget). Creating is an upsert that only inserts, so two
 * instances creating a key for the same person at once agree on one.
 */
export class MongoDataKeyStore implements DataKeyStore {
  private readonly keys: Collection<KeyDocument>;

  constructor(db: Db, collection = 'data_keys') {
    this.keys = db.collection<KeyDocument>(collection);
  }

  async get(subjects: string[]): Promise<Map<string, StoredDataKey>> {
    const found = new Map<string, StoredDataKey>();
    if (subjects.length === 0) return found;
    for await (const doc of this.keys.find({ _id: { $in: subjects } })) found.set(doc._id, toStored(doc));
    return found;
  }

  async create(subject: string, wrapped: string): Promise<StoredDataKey> {
    try {
      const doc = await this.keys.findOneAndUpdate(
        { _id: subject },
        { $setOnInsert: { wrapped_key: wrapped } },
        { upsert: true, returnDocument: 'after' },
      );
      if (doc !== null) return toStored(doc);
    } catch (error) {
      // Two upserts of one new _id: the loser reads what the winner wrote.
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const stored = (await this.get([subject])).get(subject);
    if (stored === undefined) throw new Error('data key missing right after it was created');
    return stored;
  }

  async destroy(subject: string): Promise<void> {
    await this.keys.updateOne({ _id: subject }, { $set: { wrapped_key: null, destroyed_at: new Date() } }, { upsert: true });
  }
}
