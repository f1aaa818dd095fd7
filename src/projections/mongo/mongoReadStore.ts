import { MongoClient, type Collection, type Db } from 'mongodb';
import type { StoredEvent } from '../../events/envelope.js';
import { accessStreamPrefixes } from '../access/accessView.js';
import { attributeStreamPrefixes } from '../attributes/attributeViews.js';
import { customersStreamPrefixes } from '../customers/customerView.js';
import type { CheckpointStore, Projection, ReadStore } from '../readStore.js';
import { MongoAccessReadModel } from './mongoAccess.js';
import { MongoAttributesReadModel } from './mongoAttributes.js';
import { MongoCustomersReadModel } from './mongoCustomers.js';
import { MongoGroupsReadModel } from './mongoGroups.js';
import { groupStreamPrefixes } from '../groups/groupView.js';
import { MongoPlatformConfigReadModel } from './mongoPlatformConfigs.js';
import { platformConfigStreamPrefixes } from '../platformConfigs/platformConfigView.js';

interface CheckpointDoc {
  _id: string;
  /** A decimal string: log positions are 64-bit and BSON numbers would round them. */
  position: string;
}

export class MongoCheckpoints implements CheckpointStore {
  private readonly collection: Collection<CheckpointDoc>;

  constructor(db: Db) {
    this.collection = db.collection<CheckpointDoc>('projection_checkpoints');
  }

  async get(projection: string): Promise<bigint> {
    const doc = await this.collection.findOne({ _id: projection });
    return doc === null ? 0n : BigInt(doc.position);
  }

  async set(projection: string, position: bigint): Promise<void> {
    await this.collection.updateOne({ _id: projection }, { $set: { position: position.toString() } }, { upsert: true });
  }
}

function projection(name: string, streamPrefixes: string[], apply: (events: StoredEvent[]) => Promise<void>): Projection {
  return {
    name,
    streamPrefixes,
    apply: async (events) => {
      const mine = events.filter((event) => streamPrefixes.some((p) => event.stream.startsWith(p)));
      if (mine.length > 0) await apply(mine);
    },
  };
}

/**
 * The production read store: one document per customer with its lookup keys, credentials by id,
 * checkpoints per projection. Fed by the projection runner; shared by every instance.
 */
export class MongoReadStore implements ReadStore {
  readonly customers: MongoCustomersReadModel;
  readonly access: MongoAccessReadModel;
  readonly platformConfigs: MongoPlatformConfigReadModel;
  readonly attributes: MongoAttributesReadModel;
  readonly attributeDefinitions: MongoAttributesReadModel['definitions'];
  readonly userAttributes: MongoAttributesReadModel['values'];
  readonly groups: MongoGroupsReadModel;
  readonly checkpoints: MongoCheckpoints;
  readonly projections: Projection[];

  constructor(
    readonly db: Db,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.customers = new MongoCustomersReadModel(db);
    this.access = new MongoAccessReadModel(db);
    this.platformConfigs = new MongoPlatformConfigReadModel(db);
    this.attributes = new MongoAttributesReadModel(db);
    this.attributeDefinitions = this.attributes.definitions;
    this.userAttributes = this.attributes.values;
    this.groups = new MongoGroupsReadModel(db);
    this.checkpoints = new MongoCheckpoints(db);
    this.projections = [
      projection('customers', customersStreamPrefixes, (events) => this.customers.apply(events)),
      projection('access', accessStreamPrefixes, (events) => this.access.apply(events)),
      projection('platformConfigs', platformConfigStreamPrefixes, (events) => this.platformConfigs.apply(events)),
      projection('attributes', attributeStreamPrefixes, (events) => this.attributes.apply(events)),
      projection('groups', groupStreamPrefixes, (events) => this.groups.apply(events)),
    ];
  }

  /** Opens a client of its own, closed with the store. */
  static async connect(url: string, database: string): Promise<MongoReadStore> {
    const client = await MongoClient.connect(url);
    return new MongoReadStore(client.db(database), () => client.close());
  }

  /** Creates the indexes the queries need; safe to run at every start. */
  async init(): Promise<void> {
    await this.customers.init();
    await this.attributes.init();
    await this.groups.init();
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}
