import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { platformPrefixOf } from './prefix.js';
import type { CommandDeps } from '../../commands/commandRunner.js';
import { compileGroupConditions } from '../../commands/group/conditions.js';
import { checkFileUrl, FileFetchError, type FetchLimits } from '../../commands/group/fileFetch.js';
import { enqueueGroupJob } from '../../commands/group/groupJobs.js';
import { changeMembers, createGroup, updateGroup, type QueuedJob } from '../../commands/group/handlers.js';
import type { GroupCondition, GroupFields } from '../../events/groupEvents.js';
import type { JobQueue } from '../../jobs/jobQueue.js';
import type { AttributeDefinitionsReadModel } from '../../projections/attributes/attributeReadModels.js';
import { normalizeValue } from '../../projections/customers/customerFilter.js';
import type { GroupsReadModel, GroupView } from '../../projections/groups/groupView.js';
import type { CustomersReadModel, UserKey } from '../../projections/readStore.js';
import { invalid, notFound } from '../../shared/errors.js';
import type { IdGenerator } from '../../shared/ids.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';
import { pageOf } from './customerMapping.js';
import { reportCsv, toGroupSchema } from './groupMapping.js';
import { createGroupBody, groupListQuery, patchGroupBody, updateGroupBody, type ConditionInput, type UserDataInput } from './groupSchemas.js';

export interface GroupsRouterDeps {
  commands: CommandDeps;
  groups: GroupsReadModel;
  customers: CustomersReadModel;
  definitions: AttributeDefinitionsReadModel;
  jobs: JobQueue;
  ids: IdGenerator;
  limits: FetchLimits;
}

const PATH = '/user_group';

export function groupsRouter(deps: GroupsRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;
  const context = (req: Request, name: string) => commandContext(req, name, platformActor(req));
  const schema = (req: Request, view: GroupView) => {
    const base = platformPrefixOf(req.params as { company_id: string; application_id: string });
    return toGroupSchema(view, (jobId) => `${req.protocol}://${req.get('host') ?? 'localhost'}${base}${PATH}/${view.group_id}/jobs/${jobId}/errors`);
  };

  /** `{group_id}` is the group's `_id` or its numeric `uid`. */
  const find = async (req: Request, groupId: string): Promise<GroupView> => {
    const applicationId = appOf(req);
    const view = /^\d{1,15}$/.test(groupId)
      ? await deps.groups.getByUid(applicationId, Number(groupId))
      : /^[0-9a-f]{24}$/i.test(groupId)
        ? await deps.groups.get(applicationId, groupId.toLowerCase())
        : null;
    if (view === null) throw notFound('user group');
    return view;
  };

  const conditionsOf = async (req: Request, input: ConditionInput[]): Promise<GroupCondition[]> => {
    const ids = [...new Set(input.map((c) => c.user_attribute_definition_id.toLowerCase()))];
    const definitions = new Map((await deps.definitions.getMany(appOf(req), ids)).map((d) => [d.definition_id, d]));
    const normalized = input.map((c) => ({ ...c, user_attribute_definition_id: c.user_attribute_definition_id.toLowerCase() }));
    compileGroupConditions(normalized, definitions);
    return normalized.map((c) => ({ ...c, key: definitions.get(c.user_attribute_definition_id)?.slug ?? '' }));
  };

  const checkUrl = async (url: string | undefined) => {
    if (url === undefined || url === '') return;
    try {
      await checkFileUrl(url, deps.limits);
    } catch (error) {
      if (error instanceof FileFetchError) throw invalid('body.file_url', error.message.replace(/^file_url: /, ''));
      throw error;
    }
  };

  const startJob = async (req: Request, view: GroupView | { group_id: string }, job: QueuedJob | undefined) => {
    if (job === undefined) return;
    const { company_id } = req.params as { company_id: string };
    await enqueueGroupJob(deps.jobs, { group_id: view.group_id, application_id: appOf(req), company_id, actor: platformActor(req) }, job);
  };

  const newJob = (group: Pick<GroupFields, 'type' | 'file_url'>): QueuedJob =>
    group.type === 'bulk' ? { job_id: deps.ids.objectId(), kind: 'csv', file_url: group.file_url } : { job_id: deps.ids.objectId(), kind: 'condition' };

  router.post(PATH, async (req, res) => {
    const body = parseInput(createGroupBody, req.body, 'body');
    const type = body.type ?? ((body.conditions?.length ?? 0) > 0 ? 'conditional' : 'bulk');
    const group: GroupFields = {
      name: body.name,
      description: body.description,
      type,
      conditions: await conditionsOf(req, body.conditions ?? []),
      file_url: body.file_url ?? '',
    };
    await checkUrl(group.file_url);
    const groupId = deps.ids.objectId();
    const job = type === 'conditional' || group.file_url !== '' ? newJob(group) : undefined;
    const { company_id } = req.params as { company_id: string };
    await createGroup(deps.commands, context(req, 'createUserGroup'), { group_id: groupId, company_id, group, ...(job === undefined ? {} : { job }) });
    await startJob(req, { group_id: groupId }, job);
    res.status(201).json(schema(req, await find(req, groupId)));
  });

  router.get(PATH, async (req, res) => {
    const query = parseInput(groupListQuery, req.query, 'query');
    const { page_no, page_size, group_uid, ...filters } = query;
    const { items, total } = await deps.groups.list({
      application_id: appOf(req),
      ...filters,
      ...(group_uid === undefined ? {} : { uid: group_uid }),
      page: { page_no, page_size },
    });
    res.json({ items: items.map((v) => schema(req, v)), page: pageOf(page_no, page_size, total) });
  });

  router.get(`${PATH}/:group_id`, async (req, res) => {
    res.json(schema(req, await find(req, req.params.group_id)));
  });

  router.put(`${PATH}/:group_id`, async (req, res) => {
    const body = parseInput(updateGroupBody, req.body, 'body');
    const current = await find(req, req.params.group_id);
    const conditions = body.conditions === undefined ? undefined : await conditionsOf(req, body.conditions);
    await checkUrl(body.file_url);
    const { job } = await updateGroup(
      deps.commands,
      context(req, 'updateUserGroup'),
      current.group_id,
      { name: body.name, description: body.description, type: body.type, conditions, file_url: body.file_url },
      (after, before) => {
        if (after.group.type === 'bulk') return body.file_url !== undefined && body.file_url !== '' ? newJob(after.group) : undefined;
        return JSON.stringify(after.group.conditions) !== JSON.stringify(before.group.conditions) ? newJob(after.group) : undefined;
      },
    );
    await startJob(req, current, job);
    res.json(schema(req, await find(req, current.group_id)));
  });

  router.patch(`${PATH}/:group_id`, async (req, res) => {
    const body = parseInput(patchGroupBody, req.body, 'body');
    const current = await find(req, req.params.group_id);
    if (current.type !== 'bulk') throw invalid('body.type', 'members of a conditional group come from its conditions');
    const members = body.type === 'json' ? await resolveUserData(deps, appOf(req), current, body.user_data ?? []) : undefined;
    if (body.type === 'file_url') await checkUrl(body.file_url);
    const fields = { name: body.name, description: body.description, ...(body.type === 'file_url' ? { file_url: body.file_url } : {}) };
    const { job } = await updateGroup(deps.commands, context(req, 'updateUserGroupPartially'), current.group_id, fields, (after) =>
      body.type === 'file_url' ? newJob(after.group) : undefined,
    );
    if (members !== undefined) {
      await changeMembers(deps.commands, context(req, 'updateUserGroupMembers'), current.group_id, { source: { type: 'json' }, ...members });
    }
    await startJob(req, current, job);
    res.json(schema(req, await find(req, current.group_id)));
  });

  router.get(`${PATH}/:group_id/members/:user_id`, async (req, res) => {
    const group = await find(req, req.params.group_id);
    const isMember = await deps.groups.isMember(appOf(req), group.group_id, req.params.user_id);
    res.json({ group_id: group.group_id, uid: group.uid, user_id: req.params.user_id, is_member: isMember });
  });

  router.get(`${PATH}/:group_id/jobs/:job_id/errors`, async (req, res) => {
    const group = await find(req, req.params.group_id);
    const rows = await deps.groups.importErrors(appOf(req), req.params.job_id);
    if (rows.length === 0 && group.error_job !== req.params.job_id) throw notFound('import error report');
    res.type('text/csv').attachment(`user-group-${group.uid}-errors.csv`).send(reportCsv(rows));
  });

  router.get('/customers/:user_id/user_groups', async (req, res) => {
    const applicationId = appOf(req);
    const userId = req.params.user_id;
    const ids = await deps.groups.groupsOf(applicationId, userId);
    const views = (await Promise.all(ids.map((id) => deps.groups.get(applicationId, id)))).filter((v): v is GroupView => v !== null);
    res.json({ user_id: userId, items: views.map((v) => schema(req, v)), total: views.length });
  });

  return router;
}

const FIELDS: Array<{ field: keyof UserDataInput; key: UserKey }> = [
  { field: 'user_id', key: 'user_id' },
  { field: 'email', key: 'email' },
  { field: 'phone_number', key: 'phone' },
];

/** Every entry must name an existing customer (a 400 names the entry); the last entry about a user decides. */
async function resolveUserData(
  deps: Pick<GroupsRouterDeps, 'customers' | 'groups'>,
  applicationId: string,
  group: GroupView,
  entries: UserDataInput[],
): Promise<{ added: string[]; removed: string[] }> {
  const named = entries.map((entry) => {
    const which = FIELDS.find((f) => entry[f.field] !== undefined) ?? FIELDS[0];
    if (which === undefined) throw new Error('unreachable: user_data entries are checked to name a user');
    const raw = entry[which.field] ?? '';
    return { ...which, value: which.key === 'user_id' ? raw : normalizeValue(which.key, raw), add: entry.action === 'add' };
  });
  const found = new Map<UserKey, Map<string, string>>();
  for (const { key } of FIELDS) {
    const values = [...new Set(named.filter((n) => n.key === key).map((n) => n.value))];
    if (values.length > 0) found.set(key, await deps.customers.findUserIds(applicationId, key, values));
  }
  const decided = new Map<string, boolean>();
  named.forEach((n, i) => {
    const userId = found.get(n.key)?.get(n.value);
    if (userId === undefined) throw invalid(`body.user_data[${i}].${n.field}`, 'no such user');
    decided.set(userId, n.add);
  });
  const members = await deps.groups.membersAmong(applicationId, group.group_id, [...decided.keys()]);
  return {
    added: [...decided].filter(([id, add]) => add && !members.has(id)).map(([id]) => id),
    removed: [...decided].filter(([id, add]) => !add && members.has(id)).map(([id]) => id),
  };
}
