import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import { indexEntriesOf } from '../../commands/attributeDefinition/attributeTypes.js';
import type { StoredEvent } from '../../events/envelope.js';
import { escapeRegex, type AttributeUserQuery } from '../attributes/attributeFilter.js';
import type { AttributeDefinitionsReadModel, DefinitionListQuery, UserAttributesReadModel } from '../attributes/attributeReadModels.js';
import {
  evolveDefinitionView,
  evolveUserAttributeView,
  isDefinitionEvent,
  type AttributeDefinitionView,
  type UserAttributeView,
} from '../attributes/attributeViews.js';
import { attributeQueryToMongo, type AttributeFilterDoc, type FilterElement } from './mongoAttributeFilter.js';
import { replaceIfNewer, writeNewer } from './newerRevisionWrites.js';

type DefinitionDoc = AttributeDefinitionView & { _id: string };
type ValueDoc = UserAttributeView & { _id: string };
const NO_ID = { _id: 0 } as const;

const valueId = (definitionId: string, userId: string) => `${definitionId}:${userId}`;
const filterId = (applicationId: string, userId: string) => `${applicationId}:${userId}`;
const unique = <T>(items: T[]) => [...new Set(items)];

/**
 * The production attribute read models: definitions and values revision-guarded like customers,
 * plus one filter document per user, recomputed from the user's live values after each batch.
 */
export class MongoAttributesReadModel {
  readonly definitionDocs: Collection<DefinitionDoc>;
  readonly valueDocs: Collection<ValueDoc>;
  readonly filterDocs: Collection<AttributeFilterDoc>;

  constructor(db: Db) {
    this.definitionDocs = db.collection<DefinitionDoc>('attribute_definitions');
    this.valueDocs = db.collection<ValueDoc>('user_attributes');
    this.filterDocs = db.collection<AttributeFilterDoc>('user_attribute_filters');
  }

  async init(): Promise<void> {
    await this.definitionDocs.createIndexes([{ key: { application_id: 1, deleted: 1, seq: -1 }, name: 'list_newest_first' }]);
    await this.valueDocs.createIndexes([
      { key: { attribute_id: 1 }, name: 'by_attribute_id' },
      { key: { application_id: 1, user_id: 1, deleted: 1, seq: -1 }, name: 'of_user_newest_first' },
      { key: { application_id: 1, definition_id: 1, deleted: 1 }, name: 'of_definition' },
    ]);
    await this.filterDocs.createIndexes([
      { key: { application_id: 1, 'attrs.d': 1, 'attrs.n': 1 }, name: 'by_number' },
      { key: { application_id: 1, 'attrs.d': 1, 'attrs.t': 1 }, name: 'by_text' },
      { key: { application_id: 1, user_id: 1 }, name: 'by_user' },
    ]);
  }

  async apply(events: StoredEvent[]): Promise<void> {
    const data = (e: StoredEvent) => e.data as { application_id: string; definition_id: string; user_id?: string };
    const definitionIds = unique(events.map((e) => data(e).definition_id));
    const valueIds = unique(events.filter((e) => !isDefinitionEvent(e)).map((e) => valueId(data(e).definition_id, data(e).user_id ?? '')));
    const definitions = new Map<string, AttributeDefinitionView | null>();
    for (const doc of await this.definitionDocs.find({ _id: { $in: definitionIds } }).toArray()) definitions.set(doc._id, strip(doc));
    const values = new Map<string, UserAttributeView | null>();
    for (const doc of await this.valueDocs.find({ _id: { $in: valueIds } }).toArray()) values.set(doc._id, strip(doc));
    const loaded = { definitions: new Map(definitions), values: new Map(values) };
    const cascades: Array<{ application_id: string; definition_id: string }> = [];
    const touchedUsers = new Set<string>();
    for (const event of events) {
      const { application_id, definition_id, user_id = '' } = data(event);
      const definition = definitions.get(definition_id) ?? null;
      if (isDefinitionEvent(event)) {
        const next = evolveDefinitionView(definition, event);
        if (next?.deleted === true && definition?.deleted !== true) cascades.push({ application_id, definition_id });
        definitions.set(definition_id, next);
        continue;
      }
      const id = valueId(definition_id, user_id);
      values.set(id, evolveUserAttributeView(values.get(id) ?? null, event, definition));
      touchedUsers.add(filterId(application_id, user_id));
    }
    const definitionWrites: AnyBulkWriteOperation<DefinitionDoc>[] = [];
    for (const [id, view] of definitions) {
      if (view !== null && view !== loaded.definitions.get(id)) definitionWrites.push(replaceIfNewer<DefinitionDoc>(id, view));
    }
    const valueWrites: AnyBulkWriteOperation<ValueDoc>[] = [];
    for (const [id, view] of values) if (view !== null && view !== loaded.values.get(id)) valueWrites.push(replaceIfNewer<ValueDoc>(id, view));
    await writeNewer(this.definitionDocs, definitionWrites);
    await writeNewer(this.valueDocs, valueWrites);
    for (const { application_id, definition_id } of cascades) {
      await this.valueDocs.updateMany({ application_id, definition_id, deleted: false }, { $set: { deleted: true } });
      await this.filterDocs.updateMany({ application_id, 'attrs.d': definition_id }, { $pull: { attrs: { d: definition_id } } });
    }
    await this.refreshFilters([...touchedUsers]);
  }

  /** Rebuilds the filter documents of these users from their live values: derived, so replays are harmless. */
  private async refreshFilters(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const users = keys.map((key) => {
      const at = key.indexOf(':');
      return { application_id: key.slice(0, at), user_id: key.slice(at + 1) };
    });
    const byApplication = new Map<string, string[]>();
    for (const u of users) byApplication.set(u.application_id, [...(byApplication.get(u.application_id) ?? []), u.user_id]);
    const scopes = [...byApplication].map(([application_id, userIds]) => ({ application_id, user_id: { $in: userIds }, deleted: false }));
    const live = await this.valueDocs.find({ $or: scopes }).toArray();
    const definitionIds = unique(live.map((v) => v.definition_id));
    const definitions = new Map((await this.definitionDocs.find({ _id: { $in: definitionIds }, deleted: false }).toArray()).map((d) => [d._id, d]));
    const attrs = new Map<string, FilterElement[]>(keys.map((k) => [k, []]));
    for (const value of live) {
      const definition = definitions.get(value.definition_id);
      if (definition === undefined || value.encrypted) continue;
      const elements = indexEntriesOf(definition.type, definition.is_multi_value, value.value).map((e) => ({ d: value.definition_id, ...e }));
      attrs.get(filterId(value.application_id, value.user_id))?.push(...elements);
    }
    await this.filterDocs.bulkWrite(
      users.map((u) => {
        const _id = filterId(u.application_id, u.user_id);
        return { replaceOne: { filter: { _id }, replacement: { ...u, attrs: attrs.get(_id) ?? [] }, upsert: true } };
      }),
      { ordered: false, ignoreUndefined: true },
    );
  }

  readonly definitions: AttributeDefinitionsReadModel = {
    get: async (applicationId, definitionId) =>
      this.definitionDocs.findOne<AttributeDefinitionView>({ _id: definitionId, application_id: applicationId, deleted: false }, { projection: NO_ID }),
    getMany: async (applicationId, definitionIds) =>
      this.definitionDocs
        .find<AttributeDefinitionView>({ _id: { $in: definitionIds }, application_id: applicationId, deleted: false }, { projection: NO_ID })
        .toArray(),
    list: async (query) => this.listDefinitions(query),
  };

  readonly values: UserAttributesReadModel = {
    get: async (applicationId, definitionId, userId) =>
      this.valueDocs.findOne<UserAttributeView>({ _id: valueId(definitionId, userId), application_id: applicationId, deleted: false }, { projection: NO_ID }),
    getById: async (applicationId, attributeId) =>
      this.valueDocs.findOne<UserAttributeView>({ attribute_id: attributeId, application_id: applicationId, deleted: false }, { projection: NO_ID }),
    listForUser: async (applicationId, userId, page) => {
      const filter = { application_id: applicationId, user_id: userId, deleted: false };
      const [items, total] = await Promise.all([
        this.valueDocs
          .find<UserAttributeView>(filter, { projection: NO_ID })
          .sort({ seq: -1 })
          .skip((page.page_no - 1) * page.page_size)
          .limit(page.page_size)
          .toArray(),
        this.valueDocs.countDocuments(filter),
      ]);
      return { items, total };
    },
    ofUsers: async (applicationId, userIds, definitionIds) => {
      const filter: Document = { application_id: applicationId, user_id: { $in: userIds }, deleted: false };
      if (definitionIds !== undefined) filter.definition_id = { $in: definitionIds };
      return this.valueDocs.find<UserAttributeView>(filter, { projection: NO_ID }).sort({ user_id: 1, seq: -1 }).toArray();
    },
    ofDefinition: async (applicationId, definitionId) =>
      this.valueDocs.find<UserAttributeView>({ application_id: applicationId, definition_id: definitionId, deleted: false }, { projection: NO_ID }).toArray(),
    hasValues: async (applicationId, definitionId) =>
      (await this.valueDocs.findOne({ application_id: applicationId, definition_id: definitionId, deleted: false }, { projection: { _id: 1 } })) !== null,
    filterUsers: async (query) => this.filterUsers(query),
  };

  private async listDefinitions(query: DefinitionListQuery): Promise<{ items: AttributeDefinitionView[]; total: number }> {
    const filter: Document = { application_id: query.application_id, deleted: false };
    const fields = ['slug', 'type', 'customer_editable', 'encrypted', 'pinned', 'pin_order', 'is_locked'] as const;
    for (const field of fields) if (query[field] !== undefined) filter[field] = query[field];
    if (query.name !== undefined) filter.name = { $regex: escapeRegex(query.name), $options: 'i' };
    if (query.excluding_ids !== undefined && query.excluding_ids.length > 0) filter._id = { $nin: query.excluding_ids };
    const { page_no, page_size } = query.page;
    const [items, total] = await Promise.all([
      this.definitionDocs
        .find<AttributeDefinitionView>(filter, { projection: NO_ID })
        .sort({ seq: -1 })
        .skip((page_no - 1) * page_size)
        .limit(page_size)
        .toArray(),
      this.definitionDocs.countDocuments(filter),
    ]);
    return { items, total };
  }

  private async filterUsers(query: AttributeUserQuery): Promise<{ user_ids: string[]; total: number }> {
    const filter = attributeQueryToMongo(query);
    const { page_no, page_size } = query.page;
    const [rows, total] = await Promise.all([
      this.filterDocs
        .find(filter, { projection: { _id: 0, user_id: 1 } })
        .sort({ user_id: 1 })
        .skip((page_no - 1) * page_size)
        .limit(page_size)
        .toArray(),
      this.filterDocs.countDocuments(filter),
    ]);
    return { user_ids: rows.map((r) => r.user_id), total };
  }
}

function strip<T extends { _id: string }>(doc: T): Omit<T, '_id'> {
  const { _id: _ignored, ...view } = doc;
  return view;
}
