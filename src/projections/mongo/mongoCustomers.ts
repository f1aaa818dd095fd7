import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { StoredEvent } from '../../events/envelope.js';
import { evolveCustomerView, searchKeysOf, type CustomerView } from '../customers/customerView.js';
import type { CustomerListQuery, CustomersReadModel, CustomerStatus, UserKey } from '../readStore.js';
import { customerFilterToMongo, namesField, searchKey, type CustomerDoc } from './mongoCustomerFilter.js';
import { replaceIfNewer, writeNewer } from './newerRevisionWrites.js';

/** Read back the view alone: the key and the lookup keys are storage details. */
const VIEW_ONLY = { _id: 0, search_keys: 0 } as const;

const docId = (applicationId: string, userId: string): string => `${applicationId}:${userId}`;
const userIdOf = (event: StoredEvent): string => event.stream.slice('user-'.length);

function toDoc(view: CustomerView): Omit<CustomerDoc, '_id'> {
  return { ...view, search_keys: searchKeysOf(view).map((k) => searchKey(k.kind, k.value)) };
}

export class MongoCustomersReadModel implements CustomersReadModel {
  readonly collection: Collection<CustomerDoc>;

  constructor(db: Db, name = 'customers') {
    this.collection = db.collection<CustomerDoc>(name);
  }

  async init(): Promise<void> {
    await this.collection.createIndexes([
      { key: { application_id: 1, archive: 1, seq: -1 }, name: 'list_newest_first' },
      { key: { application_id: 1, search_keys: 1 }, name: 'find_by_identifier' },
      { key: { user_id: 1 }, name: 'by_user' },
    ]);
  }

  /**
   * Loads every customer the batch touches once, folds the events over them, and writes each
   * changed one once, only over an older revision: a replayed batch changes nothing.
   */
  async apply(events: StoredEvent[]): Promise<void> {
    const userIds = [...new Set(events.map(userIdOf))];
    const loaded = new Map<string, CustomerView>();
    const cursor = this.collection.find({ user_id: { $in: userIds } }).project<CustomerView>(VIEW_ONLY);
    for await (const view of cursor) loaded.set(view.user_id, view);
    const evolved = new Map<string, CustomerView | null>();
    for (const event of events) {
      const userId = userIdOf(event);
      const current = evolved.has(userId) ? (evolved.get(userId) ?? null) : (loaded.get(userId) ?? null);
      evolved.set(userId, evolveCustomerView(current, event));
    }
    const writes: AnyBulkWriteOperation<CustomerDoc>[] = [];
    for (const [userId, view] of evolved) {
      // evolveCustomerView hands back the same object when every event was already applied.
      if (view === null || view === loaded.get(userId)) continue;
      writes.push(replaceIfNewer<CustomerDoc>(docId(view.application_id, view.user_id), toDoc(view)));
    }
    await writeNewer(this.collection, writes);
  }

  async findUserIds(applicationId: string, key: UserKey, values: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (values.length === 0) return found;
    const kinds = key === 'email' ? ['email'] : ['phone', 'phone_national'];
    const filter =
      key === 'user_id'
        ? { application_id: applicationId, archive: false, user_id: { $in: values } }
        : { application_id: applicationId, archive: false, search_keys: { $in: values.flatMap((v) => kinds.map((k) => searchKey(k, v))) } };
    const cursor = this.collection.find(filter).project<CustomerView>(VIEW_ONLY);
    for await (const view of cursor) {
      if (key === 'user_id') found.set(view.user_id, view.user_id);
      else for (const k of searchKeysOf(view)) if (kinds.includes(k.kind) && !found.has(k.value)) found.set(k.value, view.user_id);
    }
    const asked = new Set(values);
    return new Map([...found].filter(([value]) => asked.has(value)));
  }

  async get(applicationId: string, userId: string): Promise<CustomerView | null> {
    return this.collection.findOne<CustomerView>({ _id: docId(applicationId, userId) }, { projection: VIEW_ONLY });
  }

  async status(applicationId: string, userId: string): Promise<CustomerStatus | null> {
    return this.collection.findOne<CustomerStatus>({ _id: docId(applicationId, userId) }, { projection: { _id: 0, active: 1, archive: 1 } });
  }

  async list(query: CustomerListQuery): Promise<{ items: CustomerView[]; total: number }> {
    const filter = customerFilterToMongo(query.filter, query.application_id);
    if (!query.include_archived && (query.filter === undefined || !namesField(query.filter, 'archive'))) filter.archive = false;
    const { page_no, page_size } = query.page;
    const [items, total] = await Promise.all([
      this.collection
        .find(filter)
        .project<CustomerView>(VIEW_ONLY)
        .sort({ seq: -1 })
        .skip((page_no - 1) * page_size)
        .limit(page_size)
        .toArray(),
      this.collection.countDocuments(filter),
    ]);
    return { items, total };
  }
}
