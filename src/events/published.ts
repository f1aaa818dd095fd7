import { z } from 'zod';
import { platformConfigSchema } from '../commands/platformConfig/configSchema.js';
import { eventCatalogue } from './catalogue.js';
import type { StoredEvent } from './envelope.js';
import { groupEventSchemas } from './groupEvents.js';
import { userAttributeEventSchemas } from './userAttributeEvents.js';

interface PublishedType {
  /** One line for the catalogue: what happened, in the consumer's words. */
  summary: string;
  /** The data as published, when it differs from what is stored (secrets and ciphertexts stay inside). */
  schema?: z.ZodType;
  publish?: (data: unknown) => unknown;
}

// The stored schema carries cross-field refinements, which .omit refuses; the published shape needs only the fields.
const { social_tokens: _secrets, ...publicConfigShape } = platformConfigSchema.shape;
const publicConfig = z.object(publicConfigShape);
const publishedAttributeSet = userAttributeEventSchemas.UserAttributeSet.omit({ value: true }).extend({
  value: z.unknown().optional().describe('The value; absent when the definition is encrypted (`encrypted: true`).'),
});

/**
 * The events other services may rely on: their data keeps its meaning within a version, and a
 * new version is announced in docs/events.md (consumers see the current version only: older
 * stored events are upcast on read). Everything else in the log (identifier reservations,
 * credential hashes, failed sign-ins with IPs, …) is an internal detail that may change without notice.
 */
export const PUBLISHED_EVENTS: Readonly<Record<string, PublishedType>> = {
  UserCreated: { summary: 'A customer account was created (platform API or storefront registration).' },
  UserUpdated: { summary: 'Profile fields of a customer changed; only the changed fields are present.' },
  UserContactAdded: { summary: 'An email address or phone number was added to a customer (unverified until UserContactVerified).' },
  UserContactRemoved: { summary: 'An email address or phone number was removed from a customer.' },
  UserContactVerified: { summary: 'The customer proved they receive messages at an email address or phone number.' },
  UserPrimaryContactSet: { summary: "A verified email address or phone number became the customer's primary one." },
  UserBlocked: { summary: 'A customer was blocked (cannot sign in); `reason` says why.' },
  UserUnblocked: { summary: 'A blocked customer was unblocked.' },
  UserArchived: { summary: 'A customer was archived (soft-deleted).' },
  UserRestored: { summary: 'An archived customer was restored.' },
  UserErased: { summary: 'The person was erased (right to be forgotten): consumers holding copies of their data drop them. Earlier events of theirs now read with personal fields erased.' },
  UserDeletionRequested: { summary: 'The customer asked for their account to be deleted; it is archived at `delete_on` unless cancelled.' },
  UserDeletionCancelled: { summary: 'A pending account deletion was withdrawn (the customer signed in again).' },
  UserLockedOut: { summary: 'Too many failed sign-ins: password sign-in is refused until `until`.' },
  SessionStarted: { summary: 'A customer session began (storefront sign-in or platform-created session).' },
  SessionEnded: { summary: 'A customer session ended (sign-out, deletion by the back office, block or archive).' },
  PlatformConfigUpdated: {
    summary: "The sales channel's authentication config changed. Provider secrets (`social_tokens`) are never published.",
    schema: z.object({ application_id: z.string(), config: publicConfig, changed: z.array(z.string()) }),
    publish: (data) => {
      const { config, ...rest } = data as { config: Record<string, unknown> };
      const { social_tokens: _hidden, ...visible } = config;
      return { ...rest, config: visible };
    },
  },
  AttributeDefinitionCreated: { summary: 'A customer attribute definition was created.' },
  AttributeDefinitionUpdated: { summary: 'A customer attribute definition changed; `definition` is the whole definition after the change.' },
  AttributeDefinitionDeleted: { summary: 'A customer attribute definition was deleted, with all its values (each also announced by UserAttributeDeleted).' },
  UserAttributeSet: {
    summary: "A customer's value for an attribute was set. Values of encrypted definitions are not published.",
    schema: publishedAttributeSet,
    publish: (data) => {
      const { value, ...rest } = data as { value: unknown; encrypted: boolean };
      return rest.encrypted ? rest : { ...rest, value };
    },
  },
  UserAttributeDeleted: { summary: "A customer's value for an attribute was deleted (by itself, or with its definition)." },
  UserGroupCreated: { summary: 'A customer group was created (`bulk`: members listed or imported; `conditional`: members follow attribute conditions).' },
  UserGroupUpdated: { summary: "A customer group's name, description, conditions or import file changed." },
  UserGroupJobFinished: { summary: 'A CSV membership import of a group finished (completed or failed), with its counts.' },
  UserGroupMembersChanged: {
    summary: 'Customers joined or left a group, with the source: a JSON change, a CSV import job, or its conditions.',
    schema: groupEventSchemas.UserGroupMembersChanged.omit({ rejected: true }),
    // Rejected CSV rows quote the file (emails, phone numbers): they stay in the import's report.
    publish: (data) => {
      const { rejected: _rows, ...rest } = data as { rejected?: unknown };
      return rest;
    },
  },
};

for (const type of Object.keys(PUBLISHED_EVENTS)) {
  if (eventCatalogue[type] === undefined) throw new Error(`published event ${type} is not in the catalogue`);
}

export const PUBLISHED_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(PUBLISHED_EVENTS));

/** The schema of a published event's data at its current version. */
export function publishedSchemaOf(type: string): z.ZodType {
  const published = PUBLISHED_EVENTS[type];
  const entry = eventCatalogue[type];
  if (published === undefined || entry === undefined) throw new Error(`${type} is not a published event`);
  return published.schema ?? entry.schema;
}

/** The envelope every consumer receives: the feed's items, SSE `data:` lines and webhook bodies. */
export const publishedEnvelopeSchema = z.object({
  position: z.string().describe('Global position in the log (a decimal string of a 64-bit integer): strictly increasing, the resume point.'),
  type: z.string().describe('Event type, e.g. `UserBlocked`.'),
  version: z.number().int().describe('Version of the data schema of this type; consumers always receive the current one.'),
  stream: z.string().describe('The stream (aggregate) the event belongs to, e.g. `user-<user_id>`.'),
  occurred_at: z.string().describe('When the service recorded it (ISO 8601, UTC).'),
  data: z.unknown().describe('The event data; its schema is given per type and version.'),
  metadata: z
    .object({
    event_id: z.string().describe('Unique id of the event: the key to drop a repeated delivery.'),
    company_id: z.string().describe('The company (merchant) it happened in.'),
    application_id: z.string().optional().describe('The application (sales channel) it happened in; the feed and webhooks only carry events that have one.'),
    actor: z
      .object({ type: z.enum(['platform_client', 'user', 'system']), id: z.string() })
      .describe('Who did it: a back-office client, the customer themself, or the service.'),
    correlation_id: z.string().describe("The caller's `x-correlation-id` header, else the id of the request: shared by every event of one request, and by a caller's related requests."),
    causation_id: z.string().optional().describe('Id of the request (`x-request-id` in its response) whose command wrote it.'),
  })
    .describe('Where it happened, who did it and which request caused it.'),
});

export type PublishedEvent = z.infer<typeof publishedEnvelopeSchema>;

export function toPublished(event: StoredEvent): PublishedEvent {
  const publish = PUBLISHED_EVENTS[event.type]?.publish;
  return {
    position: event.position.toString(),
    type: event.type,
    version: event.version,
    stream: event.stream,
    occurred_at: event.occurred_at,
    data: publish === undefined ? event.data : publish(event.data),
    metadata: { ...event.metadata, event_id: event.id },
  };
}
