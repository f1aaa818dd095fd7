import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import type { CommandDeps } from '../../commands/commandRunner.js';
import {
  createAttributeDefinition,
  deleteAttributeDefinition,
  updateAttributeDefinition,
} from '../../commands/attributeDefinition/handlers.js';
import type { AttributeDefinitionsReadModel, UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import { notFound } from '../../shared/errors.js';
import type { IdGenerator } from '../../shared/ids.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';
import { toDefinitionSchema } from './attributeMapping.js';
import { createDefinitionBody, definitionChanges, definitionInput, definitionListQuery, updateDefinitionBody } from './attributeSchemas.js';
import { pageOf } from './customerMapping.js';

export interface AttributeDefinitionsRouterDeps {
  commands: CommandDeps;
  definitions: AttributeDefinitionsReadModel;
  values: UserAttributesReadModel;
  ids: IdGenerator;
}

const PATH = '/user_attribute/definition';

export function attributeDefinitionsRouter(deps: AttributeDefinitionsRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;
  const context = (req: Request, name: string) => commandContext(req, name, platformActor(req));
  const read = async (req: Request, definitionId: string) => {
    const view = await deps.definitions.get(appOf(req), definitionId);
    if (view === null) throw notFound('attribute definition');
    return view;
  };

  router.post(PATH, async (req, res) => {
    const body = parseInput(createDefinitionBody, req.body, 'body');
    const definitionId = deps.ids.objectId();
    const { company_id } = req.params as { company_id: string };
    await createAttributeDefinition(deps.commands, context(req, 'createAttributeDefinition'), {
      definition_id: definitionId,
      company_id,
      definition: definitionInput(body),
    });
    res.json(toDefinitionSchema(await read(req, definitionId)));
  });

  router.get(PATH, async (req, res) => {
    const query = parseInput(definitionListQuery, req.query, 'query');
    const { page_no, page_size, ...filters } = query;
    const { items, total } = await deps.definitions.list({ ...filters, application_id: appOf(req), page: { page_no, page_size } });
    res.json({ items: items.map(toDefinitionSchema), page: pageOf(page_no, page_size, total) });
  });

  router.get(`${PATH}/:attribute_def_id`, async (req, res) => {
    res.json(toDefinitionSchema(await read(req, req.params.attribute_def_id)));
  });

  router.put(`${PATH}/:attribute_def_id`, async (req, res) => {
    const body = parseInput(updateDefinitionBody, req.body, 'body');
    const definitionId = req.params.attribute_def_id;
    await updateAttributeDefinition(deps.commands, context(req, 'updateAttributeDefinition'), definitionId, definitionChanges(body), deps.values);
    res.json(toDefinitionSchema(await read(req, definitionId)));
  });

  router.delete(`${PATH}/:attribute_def_id`, async (req, res) => {
    const { values_deleted } = await deleteAttributeDefinition(
      deps.commands,
      context(req, 'deleteAttributeDefinition'),
      req.params.attribute_def_id,
      deps.values,
    );
    res.json({ success: 'true', values_deleted });
  });

  return router;
}
