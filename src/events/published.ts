import type { StoredEvent } from './envelope.js';

/**
 * The events other services may rely on. Everything else in the log (identifier reservations,
 * credential hashes, …) is an internal detail that may change without notice.
 */
export const PUBLISHED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'UserCreated',
  'UserUpdated',
  'UserBlocked',
  'UserUnblocked',
  'UserArchived',
  'UserRestored',
  'SessionStarted',
  'SessionEnded',
  'PlatformConfigUpdated',
  'UserGroupCreated',
  'UserGroupUpdated',
  'UserGroupJobFinished',
  'UserGroupMembersChanged',
]);

export interface PublishedEvent {
  position: string;
  type: string;
  version: number;
  stream: string;
  occurred_at: string;
  data: unknown;
  metadata: StoredEvent['metadata'] & { event_id: string };
}

/** Provider secrets stay inside even in their encrypted form. */
function publishedData(event: StoredEvent): unknown {
  if (event.type === 'UserGroupMembersChanged') {
    // Rejected CSV rows quote the file (emails, phone numbers): they stay in the import's report.
    const { rejected: _rows, ...rest } = event.data as { rejected?: unknown };
    return rest;
  }
  if (event.type !== 'PlatformConfigUpdated') return event.data;
  const { config, ...rest } = event.data as { config: Record<string, unknown> };
  const { social_tokens: _secrets, ...publicConfig } = config;
  return { ...rest, config: publicConfig };
}

export function toPublished(event: StoredEvent): PublishedEvent {
  return {
    position: event.position.toString(),
    type: event.type,
    version: event.version,
    stream: event.stream,
    occurred_at: event.occurred_at,
    data: publishedData(event),
    metadata: { ...event.metadata, event_id: event.id },
  };
}
