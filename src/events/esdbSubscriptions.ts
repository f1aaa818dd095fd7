import {
  END,
  START,
  eventTypeFilter,
  excludeSystemEvents,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  streamNameFilter,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { PUBLISHED_EVENT_TYPES } from './published.js';

/**
 * What `npm run cli -- subscriptions create` can ask for:
 * - `published` (default): `$all`, only the published event types (docs/events.md);
 * - `all`: `$all` without EventStoreDB's own (`$`-prefixed) events, internal events included;
 * - `type:<A,B,…>`: `$all`, only these published types;
 * - `stream-prefix:<p1,p2,…>`: `$all`, only streams whose name starts with one of these (e.g. `user-`);
 * - `category:<name>`: the category stream `$ce-<name>` (needs the `$by_category` system projection).
 */
export type SubscriptionFilter =
  | { kind: 'published' }
  | { kind: 'all' }
  | { kind: 'type'; types: string[] }
  | { kind: 'stream-prefix'; prefixes: string[] }
  | { kind: 'category'; category: string };

export const CONSUMER_STRATEGIES = { 'round-robin': 'RoundRobin', 'dispatch-to-single': 'DispatchToSingle', pinned: 'Pinned' } as const;
export type ConsumerStrategyOption = keyof typeof CONSUMER_STRATEGIES;

export interface SubscriptionRequest {
  group: string;
  filter: SubscriptionFilter;
  /** `start` replays the whole log to the group first; `end` (default) takes what is written from now on. */
  from: 'start' | 'end';
  strategy: ConsumerStrategyOption;
  /** Deliveries of one event before the server parks it (see README: parked events). */
  maxRetries: number;
  /** A consumer that neither acks nor nacks within this is assumed gone: the event goes to another. */
  messageTimeoutMs: number;
}

const GROUP = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const CATEGORY = /^[A-Za-z][A-Za-z0-9]{0,99}$/;

export class SubscriptionInputError extends Error {}

const list = (value: string): string[] => value.split(',').map((v) => v.trim()).filter((v) => v !== '');

export function parseGroup(value: string): string {
  if (!GROUP.test(value)) throw new SubscriptionInputError(`<group>: "${value}" must be 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  return value;
}

export function parseCategory(value: string, option = '--category'): string {
  if (!CATEGORY.test(value)) throw new SubscriptionInputError(`${option} needs a stream category such as user, session or userAttribute`);
  return value;
}

/** EventStoreDB's `$by_category` projection links each event of `<category>-…` streams into this one. */
export const categoryStream = (category: string): string => `$ce-${category}`;

export function parseFilter(value: string): SubscriptionFilter {
  if (value === 'published') return { kind: 'published' };
  if (value === 'all') return { kind: 'all' };
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  const argument = colon < 0 ? '' : value.slice(colon + 1);
  switch (kind) {
    case 'type': {
      const types = list(argument);
      const unknown = types.filter((t) => !PUBLISHED_EVENT_TYPES.has(t));
      if (types.length === 0 || unknown.length > 0) {
        throw new SubscriptionInputError(
          `--filter: type:<…> must list published event types${unknown.length > 0 ? ` (not published: ${unknown.join(', ')})` : ''}; see docs/events.md`,
        );
      }
      return { kind: 'type', types };
    }
    case 'stream-prefix': {
      const prefixes = list(argument);
      if (prefixes.length === 0) throw new SubscriptionInputError('--filter: stream-prefix:<…> needs at least one prefix, e.g. stream-prefix:user-');
      return { kind: 'stream-prefix', prefixes };
    }
    case 'category':
      return { kind: 'category', category: parseCategory(argument, '--filter: category:<name>') };
    default:
      throw new SubscriptionInputError(`--filter: "${value}" is not one of published, all, type:<A,B>, stream-prefix:<p1,p2>, category:<name>`);
  }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type SubscriptionTarget =
  | { stream: string }
  | { all: { on: 'eventType'; regex: string } | { on: 'streamName'; prefixes: string[] } };

export interface SubscriptionPlan {
  group: string;
  target: SubscriptionTarget;
  settings: { startFrom: 'start' | 'end'; consumerStrategyName: string; maxRetryCount: number; messageTimeout: number; resolveLinkTos?: boolean };
}

/** What will be created, in EventStoreDB's terms: printed by `--dry-run`, and what `createSubscription` sends. */
export function describeSubscription(request: SubscriptionRequest): SubscriptionPlan {
  const settings = {
    startFrom: request.from,
    consumerStrategyName: CONSUMER_STRATEGIES[request.strategy],
    maxRetryCount: request.maxRetries,
    messageTimeout: request.messageTimeoutMs,
  };
  const { filter } = request;
  if (filter.kind === 'category') {
    // Category streams hold links to the events: resolve them, or consumers would receive the links.
    return { group: request.group, target: { stream: categoryStream(filter.category) }, settings: { ...settings, resolveLinkTos: true } };
  }
  const types = filter.kind === 'published' ? [...PUBLISHED_EVENT_TYPES].sort() : filter.kind === 'type' ? filter.types : undefined;
  const allFilter: Extract<SubscriptionTarget, { all: unknown }>['all'] =
    types !== undefined
      ? { on: 'eventType', regex: `^(${types.map(escapeRegex).join('|')})$` }
      : filter.kind === 'stream-prefix'
        ? { on: 'streamName', prefixes: filter.prefixes }
        : { on: 'eventType', regex: '^[^\\$].*' };
  return { group: request.group, target: { all: allFilter }, settings };
}

export async function createSubscription(client: EventStoreDBClient, request: SubscriptionRequest): Promise<void> {
  const plan = describeSubscription(request);
  const startFrom = request.from === 'start' ? START : END;
  const { startFrom: _from, ...settings } = plan.settings;
  if ('stream' in plan.target) {
    await client.createPersistentSubscriptionToStream(
      plan.target.stream,
      plan.group,
      persistentSubscriptionToStreamSettingsFromDefaults({ ...settings, startFrom }),
    );
    return;
  }
  const target = plan.target.all;
  const filter =
    target.on === 'streamName'
      ? streamNameFilter({ prefixes: target.prefixes })
      : request.filter.kind === 'all'
        ? excludeSystemEvents()
        : eventTypeFilter({ regex: target.regex });
  await client.createPersistentSubscriptionToAll(plan.group, persistentSubscriptionToAllSettingsFromDefaults({ ...settings, startFrom }), { filter });
}
