import type { MembershipSource } from '../../events/groupEvents.js';
import type { AttributeCondition } from '../../projections/attributes/attributeFilter.js';
import type { GroupView } from '../../projections/groups/groupView.js';
import type { CommandContext } from '../commandRunner.js';
import { compileGroupConditions } from './conditions.js';
import { GroupJobFailure, jobContext, type GroupJobDeps, type GroupJobPayload } from './groupJob.js';
import { changeMembers } from './handlers.js';

const PAGE = 1000;

type ConditionDeps = Pick<GroupJobDeps, 'commands' | 'groups' | 'definitions' | 'values'>;

/** The group's conditions as the attribute filter's query; null when a definition has gone (it then matches nobody). */
async function compiled(deps: ConditionDeps, group: Pick<GroupView, 'application_id' | 'conditions'>): Promise<AttributeCondition[] | null> {
  const ids = [...new Set(group.conditions.map((c) => c.user_attribute_definition_id))];
  const definitions = await deps.definitions.getMany(group.application_id, ids);
  try {
    return compileGroupConditions(group.conditions, new Map(definitions.map((d) => [d.definition_id, d])), 'conditions');
  } catch {
    return null;
  }
}

async function matching(deps: ConditionDeps, applicationId: string, conditions: AttributeCondition[], userIds?: string[]): Promise<Set<string>> {
  const matched = new Set<string>();
  for (let page = 1; ; page += 1) {
    const { user_ids } = await deps.values.filterUsers({
      application_id: applicationId,
      combine: 'and',
      conditions,
      ...(userIds === undefined ? {} : { user_ids: userIds }),
      page: { page_no: page, page_size: PAGE },
    });
    for (const id of user_ids) matched.add(id);
    if (user_ids.length < PAGE) return matched;
  }
}

async function writeChanges(
  deps: ConditionDeps,
  context: CommandContext,
  groupId: string,
  source: MembershipSource,
  added: string[],
  removed: string[],
): Promise<void> {
  for (let i = 0; i < Math.max(added.length, removed.length); i += PAGE) {
    const step = { ...context, commandId: `${context.commandId}:${i}` };
    await changeMembers(deps.commands, step, groupId, { source, added: added.slice(i, i + PAGE), removed: removed.slice(i, i + PAGE) });
  }
}

/** Members from scratch: everyone the conditions match joins, everyone else leaves. */
export async function evaluateWholeGroup(deps: ConditionDeps, payload: GroupJobPayload): Promise<{ rows: number; error_count: number }> {
  const group = await deps.groups.get(payload.application_id, payload.group_id);
  if (group === null) throw new GroupJobFailure('the group does not exist');
  const conditions = await compiled(deps, group);
  if (conditions === null) throw new GroupJobFailure('a condition names an attribute definition that no longer exists or cannot be filtered');
  const matched = await matching(deps, group.application_id, conditions);
  const current = new Set(await deps.groups.members(group.application_id, group.group_id));
  const added = [...matched].filter((id) => !current.has(id));
  const removed = [...current].filter((id) => !matched.has(id));
  await writeChanges(deps, jobContext(payload, 'evaluateGroupConditions', 'members'), group.group_id, { type: 'condition', job_id: payload.job_id }, added, removed);
  return { rows: matched.size, error_count: 0 };
}

/** Members again for a few users whose values changed. */
export async function reevaluateUsers(deps: ConditionDeps, context: CommandContext, group: GroupView, userIds: string[]): Promise<void> {
  const conditions = await compiled(deps, group);
  const matched = conditions === null ? new Set<string>() : await matching(deps, group.application_id, conditions, userIds);
  const current = await deps.groups.membersAmong(group.application_id, group.group_id, userIds);
  const added = userIds.filter((id) => matched.has(id) && !current.has(id));
  const removed = userIds.filter((id) => !matched.has(id) && current.has(id));
  await writeChanges(deps, context, group.group_id, { type: 'condition' }, added, removed);
}
