import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { StoredEvent } from '../../events/envelope.js';
import { accessWriteOf, type AccessWrite } from '../access/accessView.js';
import type { AccessReadModel, CredentialView } from '../readStore.js';
import { replaceIfNewer, writeNewer } from './newerRevisionWrites.js';

interface CredentialDoc {
  _id: string;
  company_id: string;
  secret_hash: string;
  /** Revision of the credential's stream last applied: an older event never overwrites a newer one. */
  revision: number;
}

const toView = (doc: CredentialDoc | null): CredentialView | null =>
  doc === null ? null : { id: doc._id, company_id: doc.company_id, secret_hash: doc.secret_hash };

export class MongoAccessReadModel implements AccessReadModel {
  private readonly collections: Record<AccessWrite['table'], Collection<CredentialDoc>>;

  constructor(db: Db) {
    this.collections = {
      platform_clients: db.collection<CredentialDoc>('platform_clients'),
      applications: db.collection<CredentialDoc>('applications'),
    };
  }

  /** Each event sets one credential whole, guarded by its stream revision, so replays and stragglers change nothing. */
  async apply(events: StoredEvent[]): Promise<void> {
    // Only the last event of a credential in the batch counts: one write per document.
    const latest: Record<AccessWrite['table'], Map<string, AnyBulkWriteOperation<CredentialDoc>>> = {
      platform_clients: new Map(),
      applications: new Map(),
    };
    for (const event of events) {
      const write = accessWriteOf(event);
      if (write === null) continue;
      const { id, company_id, secret_hash } = write.view;
      latest[write.table].set(id, replaceIfNewer<CredentialDoc>(id, { company_id, secret_hash, revision: event.revision }));
    }
    await writeNewer(this.collections.platform_clients, [...latest.platform_clients.values()]);
    await writeNewer(this.collections.applications, [...latest.applications.values()]);
  }

  async platformClient(clientId: string): Promise<CredentialView | null> {
    return toView(await this.collections.platform_clients.findOne({ _id: clientId }));
  }

  async application(applicationId: string): Promise<CredentialView | null> {
    return toView(await this.collections.applications.findOne({ _id: applicationId }));
  }

  async applications(): Promise<CredentialView[]> {
    const docs = await this.collections.applications.find({}).sort({ _id: 1 }).toArray();
    return docs.map((doc) => ({ id: doc._id, company_id: doc.company_id, secret_hash: doc.secret_hash }));
  }
}
