import type { DataKeys } from '../../events/dataKeys.js';
import type { GroupEvent, GroupFields, MembershipSource } from '../../events/groupEvents.js';
import { groupMembersStream, groupStream, groupUidStream, groupImportStream } from '../../events/groupEvents.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps } from '../commandRunner.js';
import { decideGroup, evolveGroup, initialGroupState, type GroupChanges, type GroupCommand, type GroupState } from './decider.js';

export type PresentGroup = Extract<GroupState, { status: 'present' }>;

export function applicationOf(context: CommandContext): string {
  const applicationId = context.metadata.application_id;
  if (applicationId === undefined) throw new Error('group commands need an application scope');
  return applicationId;
}

export const loadGroup = (deps: CommandDeps, groupId: string) =>
  loadStream<GroupState, GroupEvent>(deps.store, groupStream(groupId), evolveGroup, initialGroupState);

/** The group as this application sees it: one of another application does not exist. */
async function loadScopedGroup(deps: CommandDeps, applicationId: string, groupId: string) {
  const loaded = await loadGroup(deps, groupId);
  if (loaded.state.status === 'present' && loaded.state.application_id !== applicationId) return { ...loaded, state: initialGroupState() };
  return loaded;
}

/** A job that (re)computes members, queued with the change that calls for it. */
export interface QueuedJob {
  job_id: string;
  kind: 'csv' | 'condition';
  file_url?: string;
}

const queueCommand = (job: QueuedJob): GroupCommand => ({ type: 'QueueJob', ...job });

/**
 * The uid is the application's counter stream's next revision, appended with the expected
 * revision together with the group: concurrent creates conflict there, and the retry takes the next.
 */
export async function createGroup(
  deps: CommandDeps,
  context: CommandContext,
  input: { group_id: string; company_id: string; group: GroupFields; job?: QueuedJob },
): Promise<PresentGroup> {
  const applicationId = applicationOf(context);
  return runCommand(deps, context, async () => {
    const counter = await deps.store.readStream(groupUidStream(applicationId));
    const last = counter.at(-1);
    const uid = last === undefined ? 1 : last.revision + 2;
    const loaded = await loadGroup(deps, input.group_id);
    const create: GroupCommand = { type: 'CreateGroup', group_id: input.group_id, application_id: applicationId, company_id: input.company_id, uid, group: input.group };
    let state = loaded.state;
    const events: GroupEvent[] = [];
    for (const command of input.job === undefined ? [create] : [create, queueCommand(input.job)]) {
      const decided = decideGroup(command, state);
      state = decided.reduce(evolveGroup, state);
      events.push(...decided);
    }
    return {
      appends: [
        { stream: groupUidStream(applicationId), expectedRevision: last === undefined ? 'no_stream' : last.revision, events: [{ type: 'UserGroupUidAssigned', data: { application_id: applicationId, uid, group_id: input.group_id } }] },
        { stream: groupStream(input.group_id), expectedRevision: loaded.revision, events },
      ],
      result: present(state),
    };
  });
}

/** Field changes and, when they call for it, a membership job; one append. */
export async function updateGroup(
  deps: CommandDeps,
  context: CommandContext,
  groupId: string,
  changes: GroupChanges,
  job?: (after: PresentGroup, before: PresentGroup) => QueuedJob | undefined,
): Promise<{ group: PresentGroup; job?: QueuedJob }> {
  return runCommand(deps, context, async () => {
    const loaded = await loadScopedGroup(deps, applicationOf(context), groupId);
    const events = decideGroup({ type: 'UpdateGroup', changes }, loaded.state);
    let state = events.reduce(evolveGroup, loaded.state);
    const queued = job?.(present(state), present(loaded.state));
    if (queued !== undefined) {
      const more = decideGroup(queueCommand(queued), state);
      state = more.reduce(evolveGroup, state);
      events.push(...more);
    }
    return {
      appends: [{ stream: groupStream(groupId), expectedRevision: loaded.revision, events }],
      result: { group: present(state), ...(queued === undefined ? {} : { job: queued }) },
    };
  });
}

/** Moves the group's job along (started, finished); a job no longer current changes nothing visible. */
export async function recordGroupJob(
  deps: CommandDeps,
  context: CommandContext,
  groupId: string,
  command: Extract<GroupCommand, { type: 'StartJob' | 'FinishJob' }>,
): Promise<void> {
  await runCommand(deps, context, async () => {
    const loaded = await loadGroup(deps, groupId);
    return { appends: [{ stream: groupStream(groupId), expectedRevision: loaded.revision, events: decideGroup(command, loaded.state) }], result: undefined };
  });
}

/**
 * Members by a list (`user_data`) or by conditions: they go to the group's members stream, where
 * order against other such changes does not matter, so nothing there conflicts.
 */
export async function changeMembers(
  deps: CommandDeps,
  context: CommandContext,
  groupId: string,
  change: { source: MembershipSource; added: string[]; removed: string[] },
): Promise<void> {
  const applicationId = applicationOf(context);
  await runCommand(deps, context, async () => {
    if (change.source.type === 'json') {
      const loaded = await loadScopedGroup(deps, applicationId, groupId);
      decideGroup({ type: 'ChangeMembersByList' }, loaded.state);
    }
    const events: GroupEvent[] =
      change.added.length + change.removed.length === 0
        ? []
        : [{ type: 'UserGroupMembersChanged', data: { group_id: groupId, application_id: applicationId, ...change } }];
    return { appends: [{ stream: groupMembersStream(groupId), expectedRevision: 'any', events }], result: undefined };
  });
}

function present(state: GroupState): PresentGroup {
  if (state.status !== 'present') throw new Error('group expected to exist after a successful command');
  return state;
}

/**
 * Forgets what an import's rejected rows quoted (emails and phone numbers of people who are not
 * customers): the import's data key is destroyed first, so the log's copies are unreadable even
 * if the event below were never written; the event then erases the values in the read model's
 * report and records who asked and why.
 */
export async function forgetImportReport(
  deps: CommandDeps & { keys: Pick<DataKeys, 'destroy'> },
  context: CommandContext,
  groupId: string,
  jobId: string,
  reason: string,
): Promise<void> {
  await deps.keys.destroy(groupImportStream(jobId));
  await runCommand(deps, context, async () => {
    const loaded = await loadGroup(deps, groupId);
    return { appends: [{ stream: groupStream(groupId), expectedRevision: loaded.revision, events: decideGroup({ type: 'ForgetImportReport', job_id: jobId, reason }, loaded.state) }], result: undefined };
  });
}
