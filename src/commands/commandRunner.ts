import type { DomainEvent, EventMetadata, NewEvent, StoredEvent } from '../events/envelope.js';
import { WrongExpectedRevisionError, type EventStore, type ExpectedRevision, type ReadStreamOptions } from '../events/eventStore.js';
import { assertValidEvent, currentVersionOf } from '../events/catalogue.js';
import type { Clock } from '../shared/clock.js';
import { conflict } from '../shared/errors.js';
import { deterministicEventId } from '../shared/ids.js';

/** After an append, resolves once every read model reflects it (read-your-writes). */
export interface Consistency {
  waitFor(position: bigint): Promise<void>;
}

export interface CommandObserver {
  conflict(command: string): void;
  retried(command: string): void;
}

export interface CommandDeps {
  store: EventStore;
  clock: Clock;
  consistency: Consistency;
  observer?: CommandObserver;
}

export interface CommandContext {
  /** Names the command in metrics and seeds its events' deterministic ids. */
  name: string;
  commandId: string;
  metadata: EventMetadata;
}

export interface PlannedAppend {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: DomainEvent[];
}

export interface CommandPlan<T> {
  appends: PlannedAppend[];
  result: T;
}

export interface Loaded<S> {
  state: S;
  revision: ExpectedRevision;
  events: StoredEvent[];
}

export async function loadStream<S, E>(
  store: EventStore,
  stream: string,
  evolve: (state: S, event: E, occurredAt: string) => S,
  initial: () => S,
  options?: ReadStreamOptions,
): Promise<Loaded<S>> {
  const events = await store.readStream(stream, options);
  let state = initial();
  for (const event of events) state = evolve(state, { type: event.type, data: event.data } as E, event.occurred_at);
  const last = events.at(-1);
  return { state, revision: last === undefined ? 'no_stream' : last.revision, events };
}

const MAX_ATTEMPTS = 8;

/**
 * Load → decide → append with the expected revision → on a conflict, do it all again from a
 * fresh read. The one place that retries, so no command handler has to.
 */
export async function runCommand<T>(
  deps: CommandDeps,
  context: CommandContext,
  plan: () => Promise<CommandPlan<T>>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const { appends, result } = await plan();
    const requests = appends
      .filter((a) => a.events.length > 0)
      .map((a) => ({ stream: a.stream, expectedRevision: a.expectedRevision, events: stamp(deps.clock, context, a) }));
    if (requests.length === 0) return result;
    try {
      const { position } = await deps.store.append(requests);
      await deps.consistency.waitFor(position);
      return result;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      deps.observer?.conflict(context.name);
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict('concurrent_modification', 'the resource was changed by concurrent requests; try again');
      }
      deps.observer?.retried(context.name);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
    }
  }
}

function stamp(clock: Clock, context: CommandContext, append: PlannedAppend): NewEvent[] {
  const base = append.expectedRevision === 'no_stream' || append.expectedRevision === 'any' ? 0 : append.expectedRevision + 1;
  const occurredAt = clock.now().toISOString();
  return append.events.map((event, i) => {
    assertValidEvent(event.type, event.data);
    return {
      id: deterministicEventId(context.commandId, append.stream, base + i),
      type: event.type,
      version: currentVersionOf(event.type),
      data: event.data,
      metadata: context.metadata,
      occurred_at: occurredAt,
    };
  });
}
