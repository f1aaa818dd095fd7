import type { z } from 'zod';
import type { EventMetadata } from './envelope.js';

/** What an upcaster may look at besides the data: a derived default can depend on who did it and when. */
export interface UpcastEnvelope {
  metadata: EventMetadata;
  occurred_at: string;
}

/**
 * How an event stored as `version` is read as `version + 1`. Stored events are never rewritten:
 * every read (streams for deciders, the log for projections, the feed, webhooks) passes through
 * the chain, so code past the decode step only ever sees the current version.
 */
export interface Upcaster {
  version: number;
  /** The schema of `version`, kept for the catalogue and for the upcaster's tests. */
  schema: z.ZodType;
  up(data: unknown, envelope: UpcastEnvelope): unknown;
}

export interface VersionedEvent {
  type: string;
  version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: string;
}

/**
 * Applies the chain from the event's version up to `current`. A version newer than `current`
 * (written by a newer instance during a rolling deploy) passes through untouched.
 */
export function upcastWith<E extends VersionedEvent>(event: E, current: number, chain: readonly Upcaster[]): E {
  if (event.version >= current) return event;
  let { data, version } = event;
  for (const step of chain) {
    if (step.version !== version) continue;
    data = step.up(data, event);
    version += 1;
  }
  if (version !== current) throw new Error(`no upcaster takes ${event.type} from version ${version} to ${current}`);
  return { ...event, data, version };
}
