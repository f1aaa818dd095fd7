import type { AnyBulkWriteOperation, Collection, Db, Filter } from 'mongodb';
import { ERASED } from '../../events/personalDataCodec.js';
import type { StoredEvent } from '../../events/envelope.js';
import { escapeRegex } from '../attributes/attributeFilter.js';
import { evolveGroupView, membershipChanges, type GroupListQuery, type GroupsReadModel, type GroupView, type ReportRow } from '../groups/groupView.js';
import { replaceIfNewer, writeNewer } from './newerRevisionWrites.js';

type GroupDoc = GroupView & { _id: string; name_fold: string };
interface MemberDoc {
  _id: string;
  application_id: string;
  group_id: string;
  user_id: string;
}
type ErrorDoc = ReportRow & { _id: string; application_id: string };

const VIEW_ONLY = { _id: 0, name_fold: 0 } as const;
const groupKey = (applicationId: string, groupId: string) => `${applicationId}:${groupId}`;

export class MongoGroupsReadModel implements GroupsReadModel {
  private readonly groups: Collection<GroupDoc>;
  private readonly memberships: Collection<MemberDoc>;
  private readonly errors: Collection<ErrorDoc>;

  constructor(db: Db) {
    this.groups = db.collection<GroupDoc>('user_groups');
    this.memberships = db.collection<MemberDoc>('user_group_members');
    this.errors = db.collection<ErrorDoc>('user_group_import_errors');
  }

  async init(): Promise<void> {
    await this.groups.createIndexes([
      { key: { application_id: 1, uid: 1 }, name: 'by_uid', unique: true },
      { key: { application_id: 1, type: 1, status: 1 }, name: 'by_type_status' },
    ]);
    await this.memberships.createIndexes([
      { key: { application_id: 1, group_id: 1, user_id: 1 }, name: 'members_of_group' },
      { key: { application_id: 1, user_id: 1, group_id: 1 }, name: 'groups_of_user' },
    ]);
    await this.errors.createIndexes([{ key: { application_id: 1, job_id: 1, row: 1 }, name: 'report' }]);
  }

  /** Group documents only over an older revision; memberships as set writes, the batch's last change per member winning. */
  async apply(events: StoredEvent[]): Promise<void> {
    const views = new Map<string, GroupView | null>();
    for (const event of events) {
      if (event.type === 'UserGroupMembersChanged') continue;
      const { application_id, group_id } = event.data as { application_id: string; group_id: string };
      const key = groupKey(application_id, group_id);
      const current = views.has(key) ? (views.get(key) ?? null) : await this.get(application_id, group_id);
      views.set(key, evolveGroupView(current, event));
    }
    const groupWrites: AnyBulkWriteOperation<GroupDoc>[] = [];
    for (const [key, view] of views) {
      if (view !== null) groupWrites.push(replaceIfNewer<GroupDoc>(key, { ...view, name_fold: view.name.toLowerCase() }));
    }
    await writeNewer(this.groups, groupWrites);
    const { changes, rejected, forgotten } = membershipChanges(events);
    const memberWrites: AnyBulkWriteOperation<MemberDoc>[] = [...changes.values()].map((c) => {
      const _id = `${c.application_id}:${c.group_id}:${c.user_id}`;
      return c.member
        ? { replaceOne: { filter: { _id }, replacement: { application_id: c.application_id, group_id: c.group_id, user_id: c.user_id }, upsert: true } }
        : { deleteOne: { filter: { _id } } };
    });
    if (memberWrites.length > 0) await this.memberships.bulkWrite(memberWrites, { ordered: false });
    const errorWrites: AnyBulkWriteOperation<ErrorDoc>[] = rejected.map((r) => {
      const doc = { job_id: r.job_id, application_id: r.application_id, row: r.row, column: r.column, value: r.value, reason: r.reason };
      return { replaceOne: { filter: { _id: `${r.application_id}:${r.job_id}:${r.row}` }, replacement: doc, upsert: true } };
    });
    if (errorWrites.length > 0) await this.errors.bulkWrite(errorWrites, { ordered: false });
    for (const f of forgotten) await this.errors.updateMany({ application_id: f.application_id, job_id: f.job_id }, { $set: { value: ERASED } });
  }

  async get(applicationId: string, groupId: string): Promise<GroupView | null> {
    return this.groups.findOne<GroupView>({ _id: groupKey(applicationId, groupId) }, { projection: VIEW_ONLY });
  }

  async getByUid(applicationId: string, uid: number): Promise<GroupView | null> {
    return this.groups.findOne<GroupView>({ application_id: applicationId, uid }, { projection: VIEW_ONLY });
  }

  async list(query: GroupListQuery): Promise<{ items: GroupView[]; total: number }> {
    const filter: Filter<GroupDoc> = { application_id: query.application_id };
    if (query.name !== undefined) filter.name_fold = { $regex: escapeRegex(query.name.toLowerCase()) };
    if (query.type !== undefined) filter.type = query.type as GroupDoc['type'];
    if (query.status !== undefined) filter.status = query.status as GroupDoc['status'];
    if (query.uid !== undefined) filter.uid = query.uid;
    const { page_no, page_size } = query.page;
    const [items, total] = await Promise.all([
      this.groups.find(filter).project<GroupView>(VIEW_ONLY).sort({ uid: -1 }).skip((page_no - 1) * page_size).limit(page_size).toArray(),
      this.groups.countDocuments(filter),
    ]);
    return { items, total };
  }

  async conditional(applicationId: string, definitionId?: string): Promise<GroupView[]> {
    const filter: Filter<GroupDoc> = { application_id: applicationId, type: 'conditional' };
    if (definitionId !== undefined) filter['conditions.user_attribute_definition_id'] = definitionId;
    return this.groups.find(filter).project<GroupView>(VIEW_ONLY).sort({ uid: 1 }).toArray();
  }

  async isMember(applicationId: string, groupId: string, userId: string): Promise<boolean> {
    return (await this.memberships.countDocuments({ _id: `${applicationId}:${groupId}:${userId}` }, { limit: 1 })) > 0;
  }

  async groupsOf(applicationId: string, userId: string): Promise<string[]> {
    const docs = await this.memberships.find({ application_id: applicationId, user_id: userId }).sort({ group_id: 1 }).toArray();
    return docs.map((d) => d.group_id);
  }

  async membersAmong(applicationId: string, groupId: string, userIds: string[]): Promise<Set<string>> {
    const docs = await this.memberships.find({ application_id: applicationId, group_id: groupId, user_id: { $in: userIds } }).toArray();
    return new Set(docs.map((d) => d.user_id));
  }

  async members(applicationId: string, groupId: string): Promise<string[]> {
    const docs = await this.memberships.find({ application_id: applicationId, group_id: groupId }).sort({ user_id: 1 }).toArray();
    return docs.map((d) => d.user_id);
  }

  async memberCount(applicationId: string, groupId: string): Promise<number> {
    return this.memberships.countDocuments({ application_id: applicationId, group_id: groupId });
  }

  async importErrors(applicationId: string, jobId: string): Promise<ReportRow[]> {
    const docs = await this.errors.find({ application_id: applicationId, job_id: jobId }).sort({ row: 1 }).toArray();
    return docs.map((d) => ({ job_id: d.job_id, row: d.row, column: d.column, value: d.value, reason: d.reason }));
  }
}
