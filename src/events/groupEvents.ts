import { z } from 'zod';

export const GROUP_TYPES = ['bulk', 'conditional'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

/** A condition as the merchant wrote it: an operator of the attribute filter and its operand. */
export const groupCondition = z.object({
  user_attribute_definition_id: z.string(),
  type: z.string(),
  value: z.string(),
  /** The definition's slug when the condition was written, shown back as `key`. */
  key: z.string(),
});
export type GroupCondition = z.infer<typeof groupCondition>;

export const groupFields = z.object({
  name: z.string(),
  description: z.string(),
  type: z.enum(GROUP_TYPES),
  conditions: z.array(groupCondition),
  file_url: z.string(),
});
export type GroupFields = z.infer<typeof groupFields>;

/** What put members in or took them out: a PATCH with `user_data`, a CSV import job, or the group's conditions. */
export const membershipSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('json') }),
  z.object({ type: z.literal('csv'), job_id: z.string() }),
  z.object({ type: z.literal('condition'), job_id: z.string().optional() }),
]);
export type MembershipSource = z.infer<typeof membershipSource>;

/** A CSV row that named no user, kept for the import's error report. */
export const rejectedRow = z.object({ row: z.number().int(), column: z.string(), value: z.string(), reason: z.string() });
export type RejectedRow = z.infer<typeof rejectedRow>;

const scope = { group_id: z.string(), application_id: z.string() };

export const groupEventSchemas = {
  /** Taken on the application's counter stream: its revision is the uid, so two creates never share one. */
  UserGroupUidAssigned: z.object({ application_id: z.string(), uid: z.number().int().positive(), group_id: z.string() }),
  UserGroupCreated: z.object({ ...scope, company_id: z.string(), uid: z.number().int().positive(), group: groupFields }),
  /** The whole group after the change, and which fields changed. */
  UserGroupUpdated: z.object({ ...scope, group: groupFields, changed: z.array(z.string()) }),
  /** Members are being (re)computed by a job: from a CSV file, or from the group's conditions. */
  UserGroupJobQueued: z.object({ ...scope, job_id: z.string(), kind: z.enum(['csv', 'condition']), file_url: z.string().optional() }),
  UserGroupJobStarted: z.object({ ...scope, job_id: z.string() }),
  UserGroupJobFinished: z.object({
    ...scope,
    job_id: z.string(),
    outcome: z.enum(['completed', 'failed']),
    rows: z.number().int(),
    error_count: z.number().int(),
    /** Why it failed, for the operator (never file content). */
    reason: z.string().optional(),
  }),
  /**
   * An operator forgot what an import's rejected rows quoted: the import's data key is destroyed,
   * and the read model's report keeps the rows with their values erased.
   */
  UserGroupImportReportForgotten: z.object({ ...scope, job_id: z.string(), reason: z.string() }),
  /**
   * Members that joined or left. A CSV import writes one per batch to its own stream, with the
   * number of rows read so far: a resumed import starts after it, so nobody is added twice.
   */
  UserGroupMembersChanged: z.object({
    ...scope,
    source: membershipSource,
    added: z.array(z.string()),
    removed: z.array(z.string()),
    rejected: z.array(rejectedRow).optional(),
    rows_through: z.number().int().optional(),
  }),
} as const;

type Schemas = typeof groupEventSchemas;
export type GroupEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const GROUP_STREAM_PREFIX = 'userGroup-';
export const GROUP_MEMBERS_STREAM_PREFIX = 'userGroupMembers-';
export const GROUP_IMPORT_STREAM_PREFIX = 'userGroupImport-';
export const GROUP_UID_STREAM_PREFIX = 'userGroupUid-';

export const groupStream = (groupId: string): string => `${GROUP_STREAM_PREFIX}${groupId}`;
/** Changes by `user_data` and by conditions: order between them does not matter, so appends do not conflict. */
export const groupMembersStream = (groupId: string): string => `${GROUP_MEMBERS_STREAM_PREFIX}${groupId}`;
/** One stream per import job: its revision orders the batches, and its last event says where to resume. */
export const groupImportStream = (jobId: string): string => `${GROUP_IMPORT_STREAM_PREFIX}${jobId}`;
export const groupUidStream = (applicationId: string): string => `${GROUP_UID_STREAM_PREFIX}${applicationId}`;
