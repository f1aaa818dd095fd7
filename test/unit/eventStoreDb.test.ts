import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError } from '@eventstore/db-client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/envelope.js';
import {
  EventStoreDbEventStore,
  toActualRevision,
  toEsdbExpectedRevision,
  toEventData,
  toStoredEvent,
} from '../../src/events/eventStoreDbEventStore.js';
import { WrongExpectedRevisionError } from '../../src/events/eventStore.js';
import { eventStoreConformance } from '../conformance/eventStoreSuite.js';
import { FakeEventStoreDb } from '../support/fakeEventStoreDb.js';

const event = (type = 'Something', data: unknown = { n: 1 }): NewEvent => ({
  id: randomUUID(),
  type,
  version: 2,
  data,
  metadata: { company_id: '559', application_id: 'app', actor: { type: 'user', id: 'u1' }, correlation_id: 'c1', causation_id: 'k1' },
  occurred_at: '2026-11-27T10:00:00.000Z',
});

describe('EventStoreDB mapping', () => {
  it('maps expected and actual revisions both ways', () => {
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision(7)).toBe(7n);
    expect(toActualRevision(3n)).toBe(3);
    expect(toActualRevision('no_stream')).toBe('no_stream');
    expect(toActualRevision(-1n)).toBe('no_stream');
  });

  it('carries occurred_at and version in the metadata and gives the envelope back whole', () => {
    const sent = event('UserCreated', { user_id: 'u1', nested: { list: [1, 'é'] } });
    const data = toEventData(sent);
    expect(data).toMatchObject({ id: sent.id, type: 'UserCreated', contentType: 'application/json', data: sent.data });
    expect(data.metadata).toEqual({ ...sent.metadata, occurred_at: sent.occurred_at, version: 2 });
    const recorded = {
      streamId: 'user-u1',
      id: sent.id,
      isJson: true as const,
      revision: 4n,
      type: sent.type,
      created: new Date(0),
      data: JSON.parse(JSON.stringify(data.data)) as Record<string, unknown>,
      metadata: JSON.parse(JSON.stringify(data.metadata)) as Record<string, unknown>,
    };
    expect(toStoredEvent(recorded, 12345n)).toEqual({ ...sent, stream: 'user-u1', revision: 4, position: 12345n });
  });

  it('reads events written by other tools: binary JSON, no envelope in the metadata', () => {
    const stored = toStoredEvent(
      {
        streamId: 's',
        id: 'x',
        isJson: false,
        revision: 0n,
        type: 'T',
        created: new Date('2026-01-01T00:00:00.000Z'),
        data: new TextEncoder().encode('{"a":1}'),
        metadata: undefined,
      },
      9n,
    );
    expect(stored).toMatchObject({ data: { a: 1 }, version: 1, occurred_at: '2026-01-01T00:00:00.000Z', metadata: {} });
  });
});

describe('EventStoreDbEventStore over a stand-in server', () => {
  let server: FakeEventStoreDb;
  let store: EventStoreDbEventStore;
  beforeEach(() => {
    server = new FakeEventStoreDb();
    store = new EventStoreDbEventStore(server);
  });

  it('turns the client conflict into ours, naming stream, expected and actual revisions', async () => {
    await store.append([{ stream: 's1', expectedRevision: 'no_stream', events: [event(), event()] }]);
    const error = await store.append([{ stream: 's1', expectedRevision: 0, events: [event()] }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ stream: 's1', expected: 0, actual: 1 });
    const missing = await store.append([{ stream: 's2', expectedRevision: 3, events: [event()] }]).catch((e: unknown) => e);
    expect(missing).toMatchObject({ stream: 's2', expected: 3, actual: 'no_stream' });
    expect(missing).not.toBeInstanceOf(WrongExpectedVersionError);
  });

  it('writes several streams in order and reports the last position and every revision', async () => {
    const result = await store.append([
      { stream: 'a', expectedRevision: 'no_stream', events: [event()] },
      { stream: 'b', expectedRevision: 'no_stream', events: [event(), event()] },
    ]);
    expect(result.revisions).toEqual({ a: 0, b: 1 });
    const b = await store.readStream('b');
    expect(result.position).toBe(b[1]?.position);
  });

  it('stops at the first conflicting stream, keeping the ones before it (no multi-stream transaction)', async () => {
    await store.append([{ stream: 'taken', expectedRevision: 'no_stream', events: [event()] }]);
    await expect(
      store.append([
        { stream: 'first', expectedRevision: 'no_stream', events: [event()] },
        { stream: 'taken', expectedRevision: 'no_stream', events: [event()] },
        { stream: 'never', expectedRevision: 'no_stream', events: [event()] },
      ]),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.readStream('first')).toHaveLength(1);
    expect(await store.readStream('never')).toEqual([]);
  });

  it('checks the expected revision of an append with no events without writing', async () => {
    await expect(store.append([{ stream: 'e', expectedRevision: 'no_stream', events: [] }])).resolves.toMatchObject({ revisions: { e: -1 } });
    await expect(store.append([{ stream: 'e', expectedRevision: 0, events: [] }])).rejects.toMatchObject({ actual: 'no_stream' });
    expect(server.log.filter((e) => e.streamId === 'e')).toEqual([]);
  });

  it('skips the server’s own events and finds sparse matches across many pages of $all', async () => {
    await store.append([{ stream: 'keep-0', expectedRevision: 'no_stream', events: [event('Kept', { i: 0 })] }]);
    for (let i = 0; i < 700; i += 1) server.writeSystemEvent();
    await store.append([{ stream: 'other-1', expectedRevision: 'no_stream', events: [event('Other')] }]);
    await store.append([{ stream: 'keep-1', expectedRevision: 'no_stream', events: [event('Kept', { i: 1 })] }]);
    server.writeSystemEvent('$$keep-1', '$metadata');

    const first = await store.readAll({ limit: 1, streamPrefixes: ['keep-'] });
    expect(first.map((e) => e.data)).toEqual([{ i: 0 }]);
    const second = await store.readAll({ after: first[0]?.position, limit: 10, streamPrefixes: ['keep-'] });
    expect(second.map((e) => e.data)).toEqual([{ i: 1 }]);
    expect(await store.readAll({ after: second[0]?.position, limit: 10, streamPrefixes: ['keep-'] })).toEqual([]);
    const everything = await store.readAll({ limit: 10 });
    expect(everything.map((e) => e.stream)).toEqual(['keep-0', 'other-1', 'keep-1']);
  });

  it('reports the head as the newest event of ours, past any number of system events', async () => {
    expect(await store.headPosition()).toBe(0n);
    for (let i = 0; i < 10; i += 1) server.writeSystemEvent();
    expect(await store.headPosition()).toBe(0n);
    await store.append([{ stream: 'h', expectedRevision: 'no_stream', events: [event()] }]);
    const written = (await store.readStream('h'))[0]?.position;
    for (let i = 0; i < 150; i += 1) server.writeSystemEvent();
    expect(await store.headPosition()).toBe(written);
  });

  it('refuses events that come without a position rather than inventing one', async () => {
    const withoutPosition = {
      ...server,
      readStream: async function* () {
        yield { event: { streamId: 's', id: 'x', isJson: true as const, revision: 0n, type: 'T', created: new Date(), data: {}, metadata: undefined } };
      },
      dispose: async () => {},
    } as unknown as FakeEventStoreDb;
    await expect(new EventStoreDbEventStore(withoutPosition).readStream('s')).rejects.toThrow('no position');
  });
});

eventStoreConformance('EventStoreDB adapter over a stand-in server', async () => ({
  store: new EventStoreDbEventStore(new FakeEventStoreDb()),
  atomicMultiStream: false,
  cleanup: async () => {},
}));
