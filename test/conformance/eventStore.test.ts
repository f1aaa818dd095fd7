import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events/envelope.js';
import { SqliteEventStore } from '../../src/events/sqliteEventStore.js';
import { openSqlite } from '../../src/shared/sqlite.js';
import { eventStoreDbFactory } from '../support/remoteAdapters.js';
import { eventStoreConformance } from './eventStoreSuite.js';

function openSqliteStore(projector?: (events: StoredEvent[]) => void, checkpoint?: (position: bigint) => void, legacySchema = false) {
  const dir = mkdtempSync(join(tmpdir(), 'es-conformance-'));
  const db = openSqlite(join(dir, 'events.sqlite'), 'NORMAL');
  if (legacySchema) db.exec(LEGACY_EVENTS_TABLE);
  return {
    db,
    store: new SqliteEventStore(db, projector, checkpoint),
    atomicMultiStream: true,
    cleanup: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The table as files made before 2026-11-28 have it: with a unique index on the event id. */
const LEGACY_EVENTS_TABLE = `
  CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL,
    type TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, occurred_at TEXT NOT NULL,
    UNIQUE (stream, revision)
  )`;

eventStoreConformance('SQLite (embedded)', async () => openSqliteStore());
eventStoreConformance('SQLite (embedded), a file made with the event id indexed', async () => openSqliteStore(undefined, undefined, true));

const esdb = eventStoreDbFactory();
const esdbMissing = esdb === undefined ? 'EVENTSTORE_URL is not set' : undefined;
if (esdbMissing !== undefined) console.warn(`SKIPPED: EventStoreDB conformance suite (${esdbMissing}; set it to run against a server)`);
eventStoreConformance(
  'EventStoreDB',
  async () => {
    if (esdb === undefined) throw new Error(esdbMissing);
    return { store: await esdb(), atomicMultiStream: false, cleanup: async () => {} };
  },
  esdbMissing,
);

describe('SQLite inline projections', () => {
  it('a projection that throws rolls back the append with it', async () => {
    const subject = openSqliteStore((events) => {
      if (events.some((e) => e.type === 'Poison')) throw new Error('projection failed');
    });
    const base = { version: 1, metadata: { company_id: '1', actor: { type: 'system' as const, id: 's' }, correlation_id: 'c' }, occurred_at: 'x', data: {} };
    await expect(subject.store.append([{ stream: 'p-1', expectedRevision: 'no_stream', events: [{ ...base, id: 'e1', type: 'Poison' }] }])).rejects.toThrow(
      'projection failed',
    );
    expect(await subject.store.readStream('p-1')).toEqual([]);
    await subject.store.append([{ stream: 'p-1', expectedRevision: 'no_stream', events: [{ ...base, id: 'e2', type: 'Fine' }] }]);
    expect(await subject.store.readStream('p-1')).toHaveLength(1);
    await subject.cleanup();
  });

  it('a failing append in a group commit does not fail its neighbours', async () => {
    const subject = openSqliteStore();
    const base = { version: 1, type: 'T', metadata: { company_id: '1', actor: { type: 'system' as const, id: 's' }, correlation_id: 'c' }, occurred_at: 'x', data: {} };
    await subject.store.append([{ stream: 'taken', expectedRevision: 'no_stream', events: [{ ...base, id: 'e0' }] }]);
    const results = await Promise.allSettled([
      subject.store.append([{ stream: 'free-1', expectedRevision: 'no_stream', events: [{ ...base, id: 'e1' }] }]),
      subject.store.append([{ stream: 'taken', expectedRevision: 'no_stream', events: [{ ...base, id: 'e2' }] }]),
      subject.store.append([{ stream: 'free-2', expectedRevision: 'no_stream', events: [{ ...base, id: 'e3' }] }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await subject.cleanup();
  });

  it('an append that fails after writing part of its streams leaves none of them, beside neighbours that stay', async () => {
    const subject = openSqliteStore((events) => {
      if (events.some((e) => e.type === 'Poison')) throw new Error('projection failed');
    });
    const base = { version: 1, type: 'T', metadata: { company_id: '1', actor: { type: 'system' as const, id: 's' }, correlation_id: 'c' }, occurred_at: 'x', data: {} };
    await subject.store.append([{ stream: 'taken', expectedRevision: 'no_stream', events: [{ ...base, id: 'p0' }] }]);
    const results = await Promise.allSettled([
      subject.store.append([{ stream: 'before', expectedRevision: 'no_stream', events: [{ ...base, id: 'p1' }] }]),
      subject.store.append([
        { stream: 'half-a', expectedRevision: 'no_stream', events: [{ ...base, id: 'p2' }] },
        { stream: 'taken', expectedRevision: 'no_stream', events: [{ ...base, id: 'p3' }] },
      ]),
      subject.store.append([{ stream: 'poisoned', expectedRevision: 'no_stream', events: [{ ...base, id: 'p4', type: 'Poison' }] }]),
      subject.store.append([{ stream: 'after', expectedRevision: 'no_stream', events: [{ ...base, id: 'p5' }] }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(await subject.store.readStream('half-a')).toEqual([]);
    expect(await subject.store.readStream('poisoned')).toEqual([]);
    expect((await subject.store.readStream('before')).map((e) => e.id)).toEqual(['p1']);
    expect((await subject.store.readStream('after')).map((e) => e.id)).toEqual(['p5']);
    await subject.cleanup();
  });

  it('moves the checkpoint once per group commit, to the last event the group wrote', async () => {
    const checkpoints: bigint[] = [];
    const subject = openSqliteStore(undefined, (position) => checkpoints.push(position));
    const base = { version: 1, type: 'T', metadata: { company_id: '1', actor: { type: 'system' as const, id: 's' }, correlation_id: 'c' }, occurred_at: 'x', data: {} };
    await subject.store.append([{ stream: 'taken', expectedRevision: 'no_stream', events: [{ ...base, id: 'c0' }] }]);
    const results = await Promise.allSettled([
      subject.store.append([{ stream: 'g-1', expectedRevision: 'no_stream', events: [{ ...base, id: 'c1' }, { ...base, id: 'c2' }] }]),
      subject.store.append([{ stream: 'g-2', expectedRevision: 'no_stream', events: [{ ...base, id: 'c3' }] }]),
      subject.store.append([{ stream: 'taken', expectedRevision: 'no_stream', events: [{ ...base, id: 'c4' }] }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(checkpoints).toEqual([1n, 4n]);
    expect(await subject.store.headPosition()).toBe(4n);
    await subject.cleanup();
  });
});
