import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import type { CommandDeps } from '../../commands/commandRunner.js';
import { deleteUserAttributes, setUserAttributes } from '../../commands/userAttribute/handlers.js';
import type { AttributeDefinitionsReadModel, UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import type { UserAttributeView } from '../../projections/attributes/attributeViews.js';
import type { CustomersReadModel } from '../../projections/readStore.js';
import { notFound } from '../../shared/errors.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import type { IdGenerator } from '../../shared/ids.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';
import { toUserAttributeSchema } from './attributeMapping.js';
import { bulkDeleteBody, bulkValuesBody, pageQuery, valueBody } from './attributeSchemas.js';
import { pageOf } from './customerMapping.js';

export interface UserAttributesRouterDeps {
  commands: CommandDeps;
  definitions: AttributeDefinitionsReadModel;
  values: UserAttributesReadModel;
  customers: CustomersReadModel;
  cipher: FieldCipher;
  ids: IdGenerator;
}

const ONE = '/user_attribute/definition/:attribute_def_id/user/:user_id';
const OF_USER = '/user_attribute/user/:user_id';

export function userAttributesRouter(deps: UserAttributesRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;
  const context = (req: Request, name: string) => commandContext(req, name, platformActor(req));
  /** Values with their definitions' names and types, as the wire shows them. */
  const present = async (req: Request, views: UserAttributeView[]) => {
    const definitions = await deps.definitions.getMany(appOf(req), [...new Set(views.map((v) => v.definition_id))]);
    const byId = new Map(definitions.map((d) => [d.definition_id, d]));
    return views.map((v) => toUserAttributeSchema(v, byId.get(v.definition_id), deps.cipher));
  };
  const readOne = async (req: Request, definitionId: string, userId: string) => {
    const view = await deps.values.get(appOf(req), definitionId, userId);
    if (view === null) throw notFound('user attribute');
    const [shown] = await present(req, [view]);
    return shown;
  };

  router.put(ONE, async (req, res) => {
    const body = parseInput(valueBody, req.body, 'body');
    const { attribute_def_id: definitionId, user_id: userId } = req.params;
    const overridden = body.customer_overridden ?? body.customer_overriden;
    const [set] = await setUserAttributes(
      deps.commands,
      context(req, 'setUserAttribute'),
      userId,
      [
        {
          definition_id: definitionId,
          value: body.attribute.value,
          field: 'body.attribute.value',
          attribute_id: deps.ids.objectId(),
          ...(overridden === undefined ? {} : { customer_overridden: overridden }),
        },
      ],
      deps.cipher,
    );
    const view = await deps.values.get(appOf(req), definitionId, userId);
    if (view === null || set === undefined) throw new Error('a value just set is missing from the read model');
    res.json(toUserAttributeSchema(view, set.definition.definition, deps.cipher));
  });

  router.get(ONE, async (req, res) => {
    res.json(await readOne(req, req.params.attribute_def_id, req.params.user_id));
  });

  router.delete(ONE, async (req, res) => {
    await deleteUserAttributes(deps.commands, context(req, 'deleteUserAttribute'), req.params.user_id, [{ definition_id: req.params.attribute_def_id }], 'fail');
    res.json({ success: 'true' });
  });

  router.get('/user_attribute/attribute/:attribute_id', async (req, res) => {
    const view = await deps.values.getById(appOf(req), req.params.attribute_id);
    if (view === null) throw notFound('user attribute');
    const [shown] = await present(req, [view]);
    res.json(shown);
  });

  router.get(OF_USER, async (req, res) => {
    const { page_no, page_size } = parseInput(pageQuery, req.query, 'query');
    if ((await deps.customers.status(appOf(req), req.params.user_id)) === null) throw notFound('user');
    const { items, total } = await deps.values.listForUser(appOf(req), req.params.user_id, { page_no, page_size });
    res.json({ items: await present(req, items), page: pageOf(page_no, page_size, total) });
  });

  router.post(OF_USER, async (req, res) => {
    const body = parseInput(bulkValuesBody, req.body, 'body');
    const userId = req.params.user_id;
    await setUserAttributes(
      deps.commands,
      context(req, 'setUserAttributes'),
      userId,
      body.attributes.map((a, i) => ({
        definition_id: a.definition_id,
        value: a.value,
        field: `body.attributes[${i}].value`,
        definitionField: `body.attributes[${i}].definition_id`,
        attribute_id: deps.ids.objectId(),
      })),
      deps.cipher,
    );
    const order = body.attributes.map((a) => a.definition_id);
    const views = await deps.values.ofUsers(appOf(req), [userId], order);
    views.sort((a, b) => order.indexOf(a.definition_id) - order.indexOf(b.definition_id));
    res.json({ success: true, attributes: await present(req, views) });
  });

  router.delete(OF_USER, async (req, res) => {
    const body = parseInput(bulkDeleteBody, req.body ?? {}, 'body');
    const targets = body.definition_ids.map((definitionId, i) => ({ definition_id: definitionId, field: `body.definition_ids[${i}]` }));
    const { deleted } = await deleteUserAttributes(deps.commands, context(req, 'deleteUserAttributes'), req.params.user_id, targets, 'skip');
    res.json({ success: 'true', deleted });
  });

  return router;
}
