import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { setUserAttributes } from '../../commands/userAttribute/handlers.js';
import type { AttributeDefinitionsReadModel, UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import type { AttributeDefinitionView } from '../../projections/attributes/attributeViews.js';
import { DomainError } from '../../shared/errors.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import { parseInput } from '../errors.js';
import { clearValue } from '../platform/attributeMapping.js';
import { storefrontCaller } from './caller.js';
import type { StorefrontDeps } from './deps.js';
import { actorOf } from './profile.js';
import { attributesQuery, updateAttributesBody } from './profileSchemas.js';
import { requireShopper } from './storefrontSession.js';

export interface StorefrontAttributes {
  definitions: AttributeDefinitionsReadModel;
  values: UserAttributesReadModel;
  cipher: FieldCipher;
}

const PATH = '/profile/v1.0/user-attributes';

const fieldError = (kind: 'validation' | 'forbidden', code: string, field: string, message: string) =>
  new DomainError(kind, code, `${field}: ${message}`, [{ field, message }]);

/**
 * getUserAttributes / updateUserAttributes: the signed-in shopper's attribute values as a map of
 * slug → value. A shopper changes only what a definition marks `customer_editable`, with the
 * platform API's validation, and the value is then marked as the customer's own.
 */
export function storefrontAttributesRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const shopper = requireShopper({ sessions: deps.signin, customers: deps.customers });
  const { definitions, values, cipher } = deps.attributes;

  async function attributesOf(req: Request, slug?: string): Promise<Record<string, unknown>> {
    const applicationId = storefrontCaller(req).application_id;
    const held = await values.ofUsers(applicationId, [actorOf(req).user_id]);
    const defs = await definitions.getMany(applicationId, [...new Set(held.map((v) => v.definition_id))]);
    const byId = new Map(defs.map((d) => [d.definition_id, d]));
    const result: Record<string, unknown> = {};
    for (const value of held) {
      const definition = byId.get(value.definition_id);
      if (definition === undefined || (slug !== undefined && definition.slug !== slug)) continue;
      result[definition.slug] = clearValue(value, cipher);
    }
    return result;
  }

  async function definitionBySlug(applicationId: string, slug: string): Promise<AttributeDefinitionView | undefined> {
    const { items } = await definitions.list({ application_id: applicationId, slug, page: { page_no: 1, page_size: 1 } });
    return items[0];
  }

  router.get(PATH, shopper, async (req, res) => {
    const { slug } = parseInput(attributesQuery, req.query, 'query');
    res.json({ attributes: await attributesOf(req, slug === undefined || slug === '' ? undefined : slug) });
  });

  router.patch(PATH, shopper, async (req, res) => {
    const body = parseInput(updateAttributesBody, req.body, 'body');
    const caller = storefrontCaller(req);
    const userId = actorOf(req).user_id;
    const inputs = [];
    for (const [slug, value] of Object.entries(body.attributes)) {
      const field = `body.attributes.${slug}`;
      const definition = await definitionBySlug(caller.application_id, slug);
      if (definition === undefined) throw fieldError('validation', 'unknown_attribute', field, 'no attribute has this slug');
      if (!definition.customer_editable) throw fieldError('forbidden', 'attribute_not_editable', field, 'is not editable by customers');
      inputs.push({ definition_id: definition.definition_id, value, field, attribute_id: deps.signin.ids.objectId(), customer_overridden: true });
    }
    if (inputs.length > 0) await setUserAttributes(deps.signin, caller.context('updateOwnAttributes', userId), userId, inputs, cipher);
    res.json({ attributes: await attributesOf(req) });
  });

  return router;
}
