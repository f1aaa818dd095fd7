import { randomUUID } from 'node:crypto';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
} from '@eventstore/db-client';
import type { EventStoreDbClientPort } from '../../src/events/eventStoreDbEventStore.js';

/**
 * An in-memory stand-in for an EventStoreDB server, as the adapter relies on it: forward reads of
 * $all start at the given position inclusive, backward ones strictly before it; the server writes
 * system events of its own between ours; re-sent appends with the same ids are acknowledged.
 */
export class FakeEventStoreDb implements EventStoreDbClientPort {
  readonly log: AllStreamRecordedEvent[] = [];
  private nextPosition = 1000n;

  /** What a server writes on its own ($stats, $metadata…), which readers of ours must never see. */
  writeSystemEvent(stream = '$stats-127.0.0.1:2113', type = '$statsCollected'): void {
    this.record(stream, randomUUID(), type, this.revisionOf(stream) + 1n, {}, undefined);
  }

  async appendToStream(stream: string, events: EventData[], options: AppendToStreamOptions): Promise<AppendResult> {
    await Promise.resolve();
    const expected: AppendExpectedRevision = options.expectedRevision ?? 'any';
    const current = this.revisionOf(stream);
    const matches =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1n) ||
      (expected === 'stream_exists' && current >= 0n) ||
      expected === current;
    if (!matches) {
      const replayed = this.replayed(stream, expected, events);
      if (replayed !== undefined) return replayed;
      throw new WrongExpectedVersionError(undefined, { streamName: stream, expected, current: current === -1n ? 'no_stream' : current });
    }
    this.writeSystemEvent();
    let revision = current;
    for (const event of events) {
      revision += 1n;
      this.record(stream, event.id, event.type, revision, event.data, event.metadata);
    }
    return { success: true, nextExpectedRevision: revision, position: { commit: this.nextPosition - 100n, prepare: this.nextPosition - 100n } };
  }

  async *readStream(stream: string, options: ReadStreamOptions): AsyncIterable<AllStreamResolvedEvent> {
    await Promise.resolve();
    const events = this.log.filter((e) => e.streamId === stream);
    if (events.length === 0) throw new StreamNotFoundError(undefined, stream);
    const ordered = options.direction === 'backwards' ? [...events].reverse() : events;
    for (const event of ordered.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER))) yield { event, commitPosition: event.position.commit };
  }

  async *readAll(options: ReadAllOptions): AsyncIterable<AllStreamResolvedEvent> {
    await Promise.resolve();
    const from = options.fromPosition ?? 'start';
    const backwards = options.direction === 'backwards';
    let events: AllStreamRecordedEvent[];
    if (backwards) {
      events = [...this.log].reverse().filter((e) => from === 'end' || from === 'start' || e.position.commit < from.commit);
    } else {
      events = this.log.filter((e) => from === 'start' || (from !== 'end' && e.position.commit >= from.commit));
    }
    for (const event of events.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER))) yield { event, commitPosition: event.position.commit };
  }

  async dispose(): Promise<void> {}

  private revisionOf(stream: string): bigint {
    return this.log.filter((e) => e.streamId === stream).at(-1)?.revision ?? -1n;
  }

  private replayed(stream: string, expected: AppendExpectedRevision, events: EventData[]): AppendResult | undefined {
    if (typeof expected !== 'bigint' && expected !== 'no_stream') return undefined;
    const first = expected === 'no_stream' ? 0n : expected + 1n;
    const written = this.log.filter((e) => e.streamId === stream && e.revision >= first).slice(0, events.length);
    if (written.length !== events.length || written.some((e, i) => e.id !== events[i]?.id)) return undefined;
    const last = written.at(-1);
    return last === undefined ? undefined : { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  private record(streamId: string, id: string, type: string, revision: bigint, data: unknown, metadata: unknown): void {
    const position = this.nextPosition;
    this.nextPosition += 100n;
    // A server stores bytes: what comes back is parsed JSON, never the objects that were sent.
    const copy = (value: unknown) => (value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
    this.log.push({
      streamId,
      id,
      isJson: true,
      revision,
      type,
      created: new Date(),
      data: copy(data),
      metadata: copy(metadata),
      position: { commit: position, prepare: position },
    } as AllStreamRecordedEvent);
  }
}
