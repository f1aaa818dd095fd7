import type { z } from 'zod';
import { accessEventSchemas } from './accessEvents.js';
import { attributeDefinitionEventSchemas } from './attributeDefinitionEvents.js';
import { attributeSlugEventSchemas } from './attributeSlugEvents.js';
import { customerEventSchemas } from './customerEvents.js';
import { groupEventSchemas } from './groupEvents.js';
import { identifierEventSchemas } from './identifierEvents.js';
import { platformConfigEventSchemas } from './platformConfigEvents.js';
import { sessionEventSchemas } from './sessionEvents.js';
import { userAttributeEventSchemas } from './userAttributeEvents.js';

/** Every event type the service writes, with the schema of its current version. */
export const eventCatalogue: Record<string, { version: number; schema: z.ZodType }> = Object.fromEntries(
  Object.entries({
    ...customerEventSchemas,
    ...identifierEventSchemas,
    ...accessEventSchemas,
    ...platformConfigEventSchemas,
    ...sessionEventSchemas,
    ...attributeDefinitionEventSchemas,
    ...attributeSlugEventSchemas,
    ...userAttributeEventSchemas,
    ...groupEventSchemas,
  }).map(([type, schema]) => [
    type,
    { version: 1, schema },
  ]),
);

export function assertValidEvent(type: string, data: unknown): void {
  const entry = eventCatalogue[type];
  if (entry === undefined) throw new Error(`unknown event type ${type}`);
  const parsed = entry.schema.safeParse(data);
  if (!parsed.success) throw new Error(`event ${type} does not match its schema: ${parsed.error.message}`);
}
