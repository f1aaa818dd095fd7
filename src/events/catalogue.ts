import type { z } from 'zod';
import { accessEventSchemas } from './accessEvents.js';
import { attributeDefinitionEventSchemas } from './attributeDefinitionEvents.js';
import { attributeSlugEventSchemas } from './attributeSlugEvents.js';
import { customerEventSchemas } from './customerEvents.js';
import { groupEventSchemas } from './groupEvents.js';
import { identifierEventSchemas } from './identifierEvents.js';
import { platformConfigEventSchemas } from './platformConfigEvents.js';
import { sessionEventSchemas, sessionEventUpcasters } from './sessionEvents.js';
import { userAttributeEventSchemas } from './userAttributeEvents.js';
import { webhookEventSchemas } from './webhookEvents.js';
import { upcastWith, type Upcaster, type VersionedEvent } from './upcasting.js';

export interface CatalogueEntry {
  /** The version written today: 1 + the number of earlier versions. */
  version: number;
  schema: z.ZodType;
  /** Earlier versions, oldest first, each with the step to the next. */
  upcasters: readonly Upcaster[];
}

const currentSchemas: Record<string, z.ZodType> = {
  ...customerEventSchemas,
  ...identifierEventSchemas,
  ...accessEventSchemas,
  ...platformConfigEventSchemas,
  ...sessionEventSchemas,
  ...attributeDefinitionEventSchemas,
  ...attributeSlugEventSchemas,
  ...userAttributeEventSchemas,
  ...webhookEventSchemas,
  ...groupEventSchemas,
};

const upcasters: Record<string, readonly Upcaster[]> = {
  ...sessionEventUpcasters,
};

/** Every event type the service writes, with the schema of its current version and how older ones are read. */
export const eventCatalogue: Record<string, CatalogueEntry> = Object.fromEntries(
  Object.entries(currentSchemas).map(([type, schema]) => {
    const chain = [...(upcasters[type] ?? [])].sort((a, b) => a.version - b.version);
    chain.forEach((step, i) => {
      if (step.version !== i + 1) throw new Error(`${type}: upcasters must cover versions 1..n without gaps`);
    });
    return [type, { version: chain.length + 1, schema, upcasters: chain }];
  }),
);
for (const type of Object.keys(upcasters)) {
  if (eventCatalogue[type] === undefined) throw new Error(`upcasters for ${type}, which is not in the catalogue`);
}

export function currentVersionOf(type: string): number {
  const entry = eventCatalogue[type];
  if (entry === undefined) throw new Error(`unknown event type ${type}`);
  return entry.version;
}

/** The decode step of every event store: an event read from storage leaves it at its type's current version. */
export function upcast<E extends VersionedEvent>(event: E): E {
  const entry = eventCatalogue[event.type];
  if (entry === undefined) return event;
  return upcastWith(event, entry.version, entry.upcasters);
}

export function assertValidEvent(type: string, data: unknown): void {
  const entry = eventCatalogue[type];
  if (entry === undefined) throw new Error(`unknown event type ${type}`);
  const parsed = entry.schema.safeParse(data);
  if (!parsed.success) throw new Error(`event ${type} does not match its schema: ${parsed.error.message}`);
}
