import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import type { AttributeDefinitionsReadModel, UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import { parseAttributeConditions } from '../../projections/attributes/attributeFilter.js';
import { normalizeValue, type CustomerFilter } from '../../projections/customers/customerFilter.js';
import type { CustomersReadModel } from '../../projections/readStore.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import { parseInput } from '../errors.js';
import { toFilteredUser, toUserAttributeSchema } from './attributeMapping.js';
import { filterBody } from './attributeSchemas.js';
import { pageOf } from './customerMapping.js';

export interface UserAttributeFilterRouterDeps {
  definitions: AttributeDefinitionsReadModel;
  values: UserAttributesReadModel;
  customers: CustomersReadModel;
  cipher: FieldCipher;
}

const unique = (ids: string[]) => [...new Set(ids)];

/**
 * `filterUsersByAttributes`: the conditions are checked against their definitions and answered
 * by the read model built for it; each user on the page comes with its values of
 * `definition_ids`, or when not given of the definitions the conditions name.
 */
export function userAttributeFilterRouter(deps: UserAttributeFilterRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;

  /** The users the query's email and phone name (both must match when both are given). */
  const identifiedUsers = async (applicationId: string, email?: string, phone?: string): Promise<string[] | undefined> => {
    const filters: CustomerFilter[] = [];
    if (email !== undefined) filters.push({ op: 'eq', field: 'email', value: normalizeValue('email', email) });
    if (phone !== undefined) filters.push({ op: 'eq', field: 'phone', value: normalizeValue('phone', phone) });
    if (filters.length === 0) return undefined;
    const filter: CustomerFilter = filters.length === 1 && filters[0] !== undefined ? filters[0] : { op: 'and', filters };
    const { items } = await deps.customers.list({ application_id: applicationId, filter, include_archived: true, page: { page_no: 1, page_size: 50 } });
    return items.map((c) => c.user_id);
  };

  router.post('/user_attribute/users', async (req, res) => {
    const { query } = parseInput(filterBody, req.body, 'body');
    const applicationId = appOf(req);
    const definitions = await deps.definitions.getMany(applicationId, unique(query.conditions.map((c) => c.definition_id)));
    const conditions = parseAttributeConditions(query.conditions, new Map(definitions.map((d) => [d.definition_id, d])));
    const userIds = await identifiedUsers(applicationId, query.email, query.phone);
    const { user_ids: page, total } = await deps.values.filterUsers({
      application_id: applicationId,
      combine: query.type,
      conditions,
      ...(userIds === undefined ? {} : { user_ids: userIds }),
      page: { page_no: query.page, page_size: query.limit },
    });
    const [customers, values] = await Promise.all([
      Promise.all(page.map((userId) => deps.customers.get(applicationId, userId))),
      deps.values.ofUsers(applicationId, page, query.definition_ids ?? unique(query.conditions.map((c) => c.definition_id))),
    ]);
    const byId = new Map(definitions.map((d) => [d.definition_id, d]));
    const missing = unique(values.map((v) => v.definition_id)).filter((id) => !byId.has(id));
    for (const d of await deps.definitions.getMany(applicationId, missing)) byId.set(d.definition_id, d);
    const items = page.map((userId, i) =>
      toFilteredUser(
        userId,
        customers[i] ?? null,
        values.filter((v) => v.user_id === userId).map((v) => toUserAttributeSchema(v, byId.get(v.definition_id), deps.cipher)),
      ),
    );
    res.json({ items, page: pageOf(query.page, query.limit, total) });
  });

  return router;
}
