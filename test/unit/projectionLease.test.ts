import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent, StoredEvent } from '../../src/events/envelope.js';
import { SqliteEventStore } from '../../src/events/sqliteEventStore.js';
import { ProjectionLease, type Lease } from '../../src/projections/lease.js';
import type { CheckpointStore, Projection } from '../../src/projections/readStore.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { openSqlite, type SqliteDatabase } from '../../src/shared/sqlite.js';

/** A lease whose holding the test decides. */
class SwitchLease implements Lease {
  held = false;
  async acquire() {
    return this.held;
  }
  async renew() {
    return this.held;
  }
  async release() {
    this.held = false;
  }
}

class MemoryCheckpoints implements CheckpointStore {
  readonly positions = new Map<string, bigint>();
  async get(name: string) {
    return this.positions.get(name) ?? 0n;
  }
  async set(name: string, position: bigint) {
    this.positions.set(name, position);
  }
}

const newEvent = (): NewEvent => ({
  id: randomUUID(),
  type: 'T',
  version: 1,
  data: {},
  metadata: { company_id: '1', actor: { type: 'system', id: 's' }, correlation_id: 'c' },
  occurred_at: '2026-01-01T00:00:00.000Z',
});

describe('projection runner behind the lease gates', () => {
  let db: SqliteDatabase;
  let log: SqliteEventStore;
  let lease: SwitchLease;
  let gates: ProjectionLease;
  let checkpoints: MemoryCheckpoints;
  let applied: StoredEvent[];
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openSqlite(':memory:');
    log = new SqliteEventStore(db);
    lease = new SwitchLease();
    gates = new ProjectionLease(lease, 1000);
    checkpoints = new MemoryCheckpoints();
    applied = [];
    const projection: Projection = { name: 'p', streamPrefixes: ['s-'], apply: async (events) => void applied.push(...events) };
    runner = new ProjectionRunner(gates.gateLog(log), [projection], gates.gateCheckpoints(checkpoints), { batchSize: 2 });
  });
  afterEach(() => db.close());

  const write = (n: number) => {
    for (let i = 0; i < n; i += 1) log.appendSync([{ stream: `s-${randomUUID()}`, expectedRevision: 'no_stream', events: [newEvent()] }]);
  };

  it('applies nothing while another instance holds the lease, and follows its checkpoints', async () => {
    write(3);
    await runner.catchUpAll();
    expect(applied).toEqual([]);
    expect(checkpoints.positions.size).toBe(0);
    expect(runner.position).toBe(0n);
    expect(runner.ready).toBe(true);

    const waiting = runner.waitFor(3n, 2000);
    await checkpoints.set('p', 3n); // the holder's progress
    await runner.catchUpAll();
    await expect(waiting).resolves.toBe(true);
    expect(runner.position).toBe(3n);
    expect(applied).toEqual([]);
  });

  it('applies and checkpoints while holding the lease', async () => {
    write(5);
    lease.held = true;
    await runner.catchUpAll();
    expect(applied.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(checkpoints.positions.get('p')).toBe(5n);
    expect(runner.position).toBe(5n);
  });

  it('a lease lost while applying fails the catch-up instead of claiming the head', async () => {
    write(5);
    lease.held = true;
    const projection: Projection = {
      name: 'p',
      streamPrefixes: ['s-'],
      apply: async (events) => {
        applied.push(...events);
        lease.held = false;
      },
    };
    const losing = new ProjectionRunner(gates.gateLog(log), [projection], gates.gateCheckpoints(checkpoints), { batchSize: 2 });
    await expect(losing.catchUpAll()).rejects.toThrow('projection lease lost');
    expect(applied).toHaveLength(2);
    expect(checkpoints.positions.get('p')).toBeUndefined();
    expect(losing.position).toBe(0n);
  });
});
