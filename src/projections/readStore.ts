import type { StoredEvent } from '../events/envelope.js';
import type { AttributeDefinitionsReadModel, UserAttributesReadModel } from './attributes/attributeReadModels.js';
import type { CustomerFilter } from './customers/customerFilter.js';
import type { CustomerView } from './customers/customerView.js';
import type { PlatformConfigView } from './platformConfigs/platformConfigView.js';
import type { GroupsReadModel } from './groups/groupView.js';

export interface Page {
  page_no: number;
  page_size: number;
}

export interface CustomerListQuery {
  application_id: string;
  filter?: CustomerFilter;
  /** Archived customers are left out unless asked for (or the filter names `archive`). */
  include_archived: boolean;
  page: Page;
}

/** How a list of customers names them: by id, email, or phone number (with or without country code). */
export type UserKey = 'user_id' | 'email' | 'phone';

/** Whether a customer may have a session: what a check of a user id needs, without the document. */
export interface CustomerStatus {
  active: boolean;
  archive: boolean;
}

export interface CustomersReadModel {
  get(applicationId: string, userId: string): Promise<CustomerView | null>;
  /** The status alone: parsing the whole document cost 10–15 µs of each create-session request. */
  status(applicationId: string, userId: string): Promise<CustomerStatus | null>;
  /** The live (non-archived) customers the values name, value → user id; values must be normalized (see normalizeValue). */
  findUserIds(applicationId: string, key: UserKey, values: string[]): Promise<Map<string, string>>;
  list(query: CustomerListQuery): Promise<{ items: CustomerView[]; total: number }>;
}

export interface CredentialView {
  id: string;
  company_id: string;
  secret_hash: string;
}

export interface AccessReadModel {
  platformClient(clientId: string): Promise<CredentialView | null>;
  application(applicationId: string): Promise<CredentialView | null>;
  applications(): Promise<CredentialView[]>;
}

export interface PlatformConfigReadModel {
  /** The stored document (provider secrets encrypted); null until the sales channel's config is first changed. */
  get(applicationId: string): Promise<PlatformConfigView | null>;
}

/** A read model as the projection runner sees it: idempotent application of events. */
export interface Projection {
  name: string;
  streamPrefixes: string[];
  apply(events: StoredEvent[]): Promise<void>;
}

export interface CheckpointStore {
  get(projection: string): Promise<bigint>;
  set(projection: string, position: bigint): Promise<void>;
}

export interface ReadStore {
  customers: CustomersReadModel;
  access: AccessReadModel;
  platformConfigs: PlatformConfigReadModel;
  attributeDefinitions: AttributeDefinitionsReadModel;
  userAttributes: UserAttributesReadModel;
  groups: GroupsReadModel;
  projections: Projection[];
  checkpoints: CheckpointStore;
  close(): Promise<void>;
}
