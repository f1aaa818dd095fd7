import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendToStreamOptions,
  type CurrentRevision,
  type EventData,
  type JSONType,
  type AppendResult as EsdbAppendResult,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadPosition,
  type ReadStreamOptions,
  type RecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { upcast } from './catalogue.js';
import type { EventMetadata, NewEvent, StoredEvent } from './envelope.js';
import {
  WrongExpectedRevisionError,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions as StreamReadOptions,
} from './eventStore.js';

/** The part of the client this adapter uses, so that tests can stand in for a server. */
export interface EventStoreDbClientPort {
  appendToStream(stream: string, events: EventData[], options: AppendToStreamOptions): Promise<EsdbAppendResult>;
  readStream(stream: string, options: ReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options: EsdbReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  dispose(): Promise<void>;
}

/** Our envelope's fields that EventStoreDB has no place for travel in the event's metadata. */
type EnvelopeMetadata = EventMetadata & { occurred_at: string; version: number };

// Forward pages of $all when a stream filter skips most events: big enough to make progress,
// small enough that over-reading past `limit` stays cheap.
const MIN_PAGE = 256;
const MAX_PAGE = 4096;
const HEAD_PAGE = 64;
/** What the server sends for "no position" on older versions (ulong max). */
const NO_POSITION = 2n ** 64n - 1n;

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return BigInt(expected);
}

export function toActualRevision(current: CurrentRevision): number | 'no_stream' {
  return typeof current === 'bigint' && current >= 0n ? Number(current) : 'no_stream';
}

export function toEventData(event: NewEvent): EventData {
  const metadata: EnvelopeMetadata = { ...event.metadata, occurred_at: event.occurred_at, version: event.version };
  return jsonEvent({
    id: event.id,
    type: event.type,
    // Event data are JSON objects by their zod schemas; the client's type only admits JSON values.
    data: event.data as JSONType,
    metadata: metadata as unknown as JSONType,
  });
}

const isSystem = (recorded: RecordedEvent): boolean => recorded.type.startsWith('$') || recorded.streamId.startsWith('$');

function jsonOf(value: unknown): unknown {
  // Events written by other tools may be binary; ours are always JSON.
  return value instanceof Uint8Array ? (JSON.parse(Buffer.from(value).toString('utf8')) as unknown) : value;
}

export function positionOf(recorded: RecordedEvent, commitPosition?: bigint): bigint {
  const position = recorded.position?.commit ?? commitPosition;
  if (position === undefined || position === NO_POSITION) {
    throw new Error(`EventStoreDB returned no position for event ${recorded.id} (a server older than 22.6 is not supported)`);
  }
  return position;
}

export function toStoredEvent(recorded: RecordedEvent, position: bigint): StoredEvent {
  const envelope = (jsonOf(recorded.metadata) ?? {}) as Partial<EnvelopeMetadata>;
  const { occurred_at, version, ...metadata } = envelope;
  return upcast({
    id: recorded.id,
    type: recorded.type,
    version: version ?? 1,
    data: jsonOf(recorded.data),
    metadata: metadata as EventMetadata,
    occurred_at: occurred_at ?? recorded.created.toISOString(),
    stream: recorded.streamId,
    revision: Number(recorded.revision),
    position,
  });
}

/**
 * The production event store. EventStoreDB has no transaction across streams, so `append`
 * writes its requests one after the other and stops at the first failure: the streams before it
 * stay written (callers order requests so that such a partial write is harmless).
 * Positions are commit positions in $all; since 20.x every event of an append is committed on
 * its own record, so each event has its own position and they increase along $all.
 */
export class EventStoreDbEventStore implements EventStore {
  constructor(private readonly client: EventStoreDbClientPort) {}

  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async readStream(stream: string, options: StreamReadOptions = {}): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    const range: ReadStreamOptions =
      options.latest === undefined
        ? { fromRevision: START, direction: FORWARDS }
        : { fromRevision: END, direction: BACKWARDS, maxCount: BigInt(options.latest) };
    try {
      for await (const resolved of this.client.readStream(stream, range)) {
        if (resolved.event !== undefined) events.push(toStoredEvent(resolved.event, positionOf(resolved.event, resolved.commitPosition)));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return options.latest === undefined ? events : events.reverse();
  }

  async append(requests: AppendRequest[]): Promise<AppendResult> {
    const revisions: Record<string, number> = {};
    let position: bigint | undefined;
    for (const request of requests) {
      const written = request.events.length === 0 ? await this.checkRevision(request) : await this.appendOne(request);
      revisions[request.stream] = written.revision;
      if (written.position !== undefined && (position === undefined || written.position > position)) position = written.position;
    }
    // No position (nothing written, or a server that did not say): the head is never before our events.
    return { position: position ?? (await this.headPosition()), revisions };
  }

  private async appendOne(request: AppendRequest): Promise<{ revision: number; position?: bigint }> {
    let result: EsdbAppendResult;
    try {
      result = await this.client.appendToStream(request.stream, request.events.map(toEventData), {
        expectedRevision: toEsdbExpectedRevision(request.expectedRevision),
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(request.stream, request.expectedRevision, toActualRevision(error.actualVersion));
      }
      throw error;
    }
    if (!result.success) {
      // Only with throwOnAppendFailure=false in the connection string; the client then reports no usable actual revision.
      const actual = (await this.lastEvent(request.stream))?.revision ?? 'no_stream';
      throw new WrongExpectedRevisionError(request.stream, request.expectedRevision, actual);
    }
    const position = result.position?.commit;
    return { revision: Number(result.nextExpectedRevision), ...(position === undefined ? {} : { position }) };
  }

  /** An append of no events writes nothing, but its expected revision must still hold (as in the embedded store). */
  private async checkRevision(request: AppendRequest): Promise<{ revision: number; position?: bigint }> {
    const current = (await this.lastEvent(request.stream))?.revision ?? -1;
    const expected = request.expectedRevision;
    const matches = expected === 'any' || (expected === 'no_stream' ? current === -1 : current === expected);
    if (!matches) throw new WrongExpectedRevisionError(request.stream, expected, current === -1 ? 'no_stream' : current);
    return { revision: current };
  }

  private async lastEvent(stream: string): Promise<{ revision: number } | undefined> {
    let revision: number | undefined;
    try {
      // Read to the end rather than return from inside the loop: leaving early tears the gRPC read down.
      for await (const resolved of this.client.readStream(stream, { fromRevision: END, direction: BACKWARDS, maxCount: 1 })) {
        if (resolved.event !== undefined) revision = Number(resolved.event.revision);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    return revision === undefined ? undefined : { revision };
  }

  /**
   * Version 6 of the client cannot filter a read of $all on the server (that came with
   * @kurrent/kurrentdb-client), so pages of $all are read and filtered here. A batch ends short
   * of `limit` only at the end of the log, which the projection runner relies on.
   */
  async readAll({ after = 0n, limit, streamPrefixes }: ReadAllOptions): Promise<StoredEvent[]> {
    const prefixes = streamPrefixes ?? [];
    const wanted = (stream: string) => prefixes.length === 0 || prefixes.some((p) => stream.startsWith(p));
    const found: StoredEvent[] = [];
    let cursor = after;
    while (found.length < limit) {
      const pageSize = Math.min(Math.max(limit - found.length, MIN_PAGE), MAX_PAGE);
      // A forward read starts at the given position inclusive; events at or before the cursor are skipped below.
      const from: ReadPosition = cursor === 0n ? START : { commit: cursor, prepare: cursor };
      let seen = 0;
      let last = cursor;
      for await (const resolved of this.client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: pageSize })) {
        seen += 1;
        const recorded = resolved.event;
        if (recorded === undefined) continue;
        const position = positionOf(recorded, resolved.commitPosition);
        if (position <= cursor) continue;
        last = position;
        if (found.length < limit && !isSystem(recorded) && wanted(recorded.streamId)) found.push(toStoredEvent(recorded, position));
      }
      if (seen < pageSize || last === cursor) break;
      cursor = last;
    }
    return found;
  }

  /** The newest event of ours: the server writes its own ($stats, $metadata, …) that readers never see. */
  async headPosition(): Promise<bigint> {
    let before: bigint | undefined;
    for (;;) {
      const from: ReadPosition = before === undefined ? END : { commit: before, prepare: before };
      let seen = 0;
      let oldest: bigint | undefined;
      let head: bigint | undefined;
      for await (const resolved of this.client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: HEAD_PAGE })) {
        seen += 1;
        const recorded = resolved.event;
        if (recorded === undefined) continue;
        const position = positionOf(recorded, resolved.commitPosition);
        if (before !== undefined && position >= before) continue;
        oldest = position;
        if (head === undefined && !isSystem(recorded)) head = position;
      }
      if (head !== undefined) return head;
      if (seen < HEAD_PAGE || oldest === undefined) return 0n;
      before = oldest;
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
