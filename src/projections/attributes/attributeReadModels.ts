import type { Page } from '../readStore.js';
import type { AttributeUserQuery } from './attributeFilter.js';
import type { AttributeDefinitionView, UserAttributeView } from './attributeViews.js';

export interface DefinitionListQuery {
  application_id: string;
  excluding_ids?: string[];
  slug?: string;
  type?: string;
  customer_editable?: boolean;
  encrypted?: boolean;
  pinned?: boolean;
  pin_order?: number;
  is_locked?: boolean;
  /** Case-insensitive "contains", taken literally (not a pattern). */
  name?: string;
  page: Page;
}

/** Definitions that are not deleted; a deleted one is, to every query, one that does not exist. */
export interface AttributeDefinitionsReadModel {
  get(applicationId: string, definitionId: string): Promise<AttributeDefinitionView | null>;
  getMany(applicationId: string, definitionIds: string[]): Promise<AttributeDefinitionView[]>;
  list(query: DefinitionListQuery): Promise<{ items: AttributeDefinitionView[]; total: number }>;
}

/** Live values only; values keep their stored form (ciphertext when encrypted). */
export interface UserAttributesReadModel {
  get(applicationId: string, definitionId: string, userId: string): Promise<UserAttributeView | null>;
  getById(applicationId: string, attributeId: string): Promise<UserAttributeView | null>;
  /** Newest first. */
  listForUser(applicationId: string, userId: string, page: Page): Promise<{ items: UserAttributeView[]; total: number }>;
  /** The values these users hold, of the given definitions or of all. */
  ofUsers(applicationId: string, userIds: string[], definitionIds?: string[]): Promise<UserAttributeView[]>;
  ofDefinition(applicationId: string, definitionId: string): Promise<UserAttributeView[]>;
  hasValues(applicationId: string, definitionId: string): Promise<boolean>;
  /** Users whose values satisfy the conditions, by user id ascending, from indexes built for it. */
  filterUsers(query: AttributeUserQuery): Promise<{ user_ids: string[]; total: number }>;
}
