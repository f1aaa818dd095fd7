import type { StoredEvent } from '../../events/envelope.js';
import {
  GROUP_IMPORT_STREAM_PREFIX,
  GROUP_MEMBERS_STREAM_PREFIX,
  GROUP_STREAM_PREFIX,
  type GroupEvent,
  type GroupFields,
  type RejectedRow,
} from '../../events/groupEvents.js';
import type { Page } from '../readStore.js';

export const groupStreamPrefixes = [GROUP_STREAM_PREFIX, GROUP_MEMBERS_STREAM_PREFIX, GROUP_IMPORT_STREAM_PREFIX];

export type GroupStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

export interface GroupView extends GroupFields {
  group_id: string;
  application_id: string;
  company_id: string;
  uid: number;
  status: GroupStatus;
  /** Rows of the current job that named no user, and the job whose report lists them. */
  error_count: number;
  error_job: string | null;
  current_job: string | null;
  created_at: string;
  modified_at: string;
  /** Changes to the group's own fields (`__v`). */
  version: number;
  revision: number;
}

/** The group document from its own stream; idempotent by stream revision. */
export function evolveGroupView(view: GroupView | null, stored: StoredEvent): GroupView | null {
  if (!stored.stream.startsWith(GROUP_STREAM_PREFIX)) return view;
  if (view !== null && stored.revision <= view.revision) return view;
  const event = { type: stored.type, data: stored.data } as GroupEvent;
  const at = { revision: stored.revision, modified_at: stored.occurred_at };
  if (event.type === 'UserGroupCreated') {
    const { group_id, application_id, company_id, uid, group } = event.data;
    return {
      ...group,
      group_id,
      application_id,
      company_id,
      uid,
      status: 'completed',
      error_count: 0,
      error_job: null,
      current_job: null,
      created_at: stored.occurred_at,
      version: 0,
      ...at,
    };
  }
  if (view === null) return null;
  switch (event.type) {
    case 'UserGroupUpdated':
      return { ...view, ...event.data.group, version: view.version + 1, ...at };
    case 'UserGroupJobQueued':
      return { ...view, status: 'pending', current_job: event.data.job_id, error_count: 0, error_job: null, ...at };
    case 'UserGroupJobStarted':
      return view.current_job === event.data.job_id ? { ...view, status: 'in_progress', ...at } : { ...view, revision: stored.revision };
    case 'UserGroupJobFinished': {
      if (view.current_job !== event.data.job_id) return { ...view, revision: stored.revision };
      const { outcome, error_count, job_id } = event.data;
      return { ...view, status: outcome, error_count, error_job: error_count > 0 ? job_id : null, ...at };
    }
    default:
      return { ...view, revision: stored.revision };
  }
}

export interface GroupListQuery {
  application_id: string;
  /** Case-insensitive "contains", taken literally. */
  name?: string;
  type?: string;
  status?: string;
  uid?: number;
  page: Page;
}

export interface ReportRow extends RejectedRow {
  job_id: string;
}

/** Groups, who is in them, and the rows imports could not place. */
export interface GroupsReadModel {
  get(applicationId: string, groupId: string): Promise<GroupView | null>;
  getByUid(applicationId: string, uid: number): Promise<GroupView | null>;
  list(query: GroupListQuery): Promise<{ items: GroupView[]; total: number }>;
  /** Conditional groups of the application, optionally only those with a condition on the definition. */
  conditional(applicationId: string, definitionId?: string): Promise<GroupView[]>;
  isMember(applicationId: string, groupId: string, userId: string): Promise<boolean>;
  /** The ids of the groups the user is in, by group id. */
  groupsOf(applicationId: string, userId: string): Promise<string[]>;
  /** Which of these users are members. */
  membersAmong(applicationId: string, groupId: string, userIds: string[]): Promise<Set<string>>;
  /** Every member, in user id order. */
  members(applicationId: string, groupId: string): Promise<string[]>;
  memberCount(applicationId: string, groupId: string): Promise<number>;
  /** The rejected rows of one import job, in row order. */
  importErrors(applicationId: string, jobId: string): Promise<ReportRow[]>;
}

/** What a batch of events does to membership, in log order: the last change of a (group, user) wins. */
export function membershipChanges(events: StoredEvent[]): {
  changes: Map<string, { application_id: string; group_id: string; user_id: string; member: boolean }>;
  rejected: Array<ReportRow & { application_id: string }>;
  /** Imports whose reports were forgotten: their rows keep their place, their values are erased. */
  forgotten: Array<{ application_id: string; job_id: string }>;
} {
  const changes = new Map<string, { application_id: string; group_id: string; user_id: string; member: boolean }>();
  const rejected: Array<ReportRow & { application_id: string }> = [];
  const forgotten: Array<{ application_id: string; job_id: string }> = [];
  for (const stored of events) {
    if (stored.type === 'UserGroupImportReportForgotten') {
      const { application_id, job_id } = stored.data as { application_id: string; job_id: string };
      forgotten.push({ application_id, job_id });
      continue;
    }
    if (stored.type !== 'UserGroupMembersChanged') continue;
    const event = { type: stored.type, data: stored.data } as Extract<GroupEvent, { type: 'UserGroupMembersChanged' }>;
    const { application_id, group_id, added, removed, source } = event.data;
    for (const user_id of added) changes.set(`${group_id}\u0000${user_id}`, { application_id, group_id, user_id, member: true });
    for (const user_id of removed) changes.set(`${group_id}\u0000${user_id}`, { application_id, group_id, user_id, member: false });
    if (source.type === 'csv') for (const row of event.data.rejected ?? []) rejected.push({ ...row, job_id: source.job_id, application_id });
  }
  return { changes, rejected, forgotten };
}
