import type { RouteGroup } from '../routeTable.js';
import type { AppDeps } from '../app.js';
import { attributeDefinitionsRouter } from './attributeDefinitions.js';
import { userAttributeFilterRouter } from './userAttributeFilter.js';
import { userAttributesRouter } from './userAttributes.js';

/** Attribute definitions, values and the filter over them: the seed's "Customer Attributes" and the SDK 3.x additions. */
export function attributeRouters(deps: Pick<AppDeps, 'commands' | 'readStore' | 'cipher' | 'ids'>): RouteGroup[] {
  const definitions = deps.readStore.attributeDefinitions;
  const values = deps.readStore.userAttributes;
  const customers = deps.readStore.customers;
  return [
    attributeDefinitionsRouter({ commands: deps.commands, definitions, values, ids: deps.ids }),
    userAttributesRouter({ commands: deps.commands, definitions, values, customers, cipher: deps.cipher, ids: deps.ids }),
    userAttributeFilterRouter({ definitions, values, customers, cipher: deps.cipher }),
  ];
}
