import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalogue, upcast } from '../../src/events/catalogue.js';
import type { Actor, NewEvent, StoredEvent } from '../../src/events/envelope.js';
import { toEventData, toStoredEvent } from '../../src/events/eventStoreDbEventStore.js';
import { upcastWith } from '../../src/events/upcasting.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { SqliteCheckpoints } from '../../src/projections/sqlite/sqliteReadStore.js';
import { APP, COMPANY, call, startTestService, type TestService } from '../support/testService.js';

const sessionEndedV1 = (actor: Actor, data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'SessionEnded',
  version: 1,
  data: { session_id: 's1', user_id: 'u1', reason: 'lost phone', ...data },
  metadata: { company_id: COMPANY, application_id: APP, actor, correlation_id: 'c1', causation_id: 'r1' },
  occurred_at: '2025-06-01T10:00:00.000Z',
});

describe('SessionEnded v1 → v2 upcaster', () => {
  const entry = eventCatalogue.SessionEnded!;
  const [v1] = entry.upcasters;

  it('derives ended_by from the kind of actor, and keeps every v1 field', () => {
    for (const [actorType, endedBy] of [
      ['platform_client', 'platform'],
      ['user', 'user'],
      ['system', 'system'],
    ] as const) {
      const stored = sessionEndedV1({ type: actorType, id: 'x' }, { reason_id: 'R9' });
      expect(v1!.schema.safeParse(stored.data).success).toBe(true);
      const up = upcast({ ...stored, stream: 'session-s1', revision: 1, position: 7n });
      expect(up.version).toBe(2);
      expect(up.data).toEqual({ session_id: 's1', user_id: 'u1', reason: 'lost phone', reason_id: 'R9', ended_by: endedBy });
      expect(entry.schema.safeParse(up.data).success).toBe(true);
      expect(up).toMatchObject({ id: stored.id, stream: 'session-s1', position: 7n, metadata: stored.metadata, occurred_at: stored.occurred_at });
    }
  });

  it('leaves current and newer versions, and unknown types, alone', () => {
    const current = { ...sessionEndedV1({ type: 'user', id: 'u' }), version: 2, data: { session_id: 's', user_id: 'u', reason: 'r', ended_by: 'platform' } };
    expect(upcast(current)).toBe(current);
    const newer = { ...current, version: 3, data: { anything: true } };
    expect(upcast(newer)).toBe(newer);
    const unknown = { ...current, type: 'SomethingElse', version: 1 };
    expect(upcast(unknown)).toBe(unknown);
  });

  it('refuses a chain with a hole rather than hand out an event at the wrong version', () => {
    const event = { ...sessionEndedV1({ type: 'user', id: 'u' }), version: 1 };
    expect(() => upcastWith(event, 3, entry.upcasters)).toThrow(/from version 2 to 3/);
  });

  it('applies to events read from EventStoreDB as well', () => {
    const sent = sessionEndedV1({ type: 'platform_client', id: 'client-559' });
    const data = toEventData(sent);
    const recorded = {
      streamId: 'session-s1',
      id: sent.id,
      isJson: true as const,
      revision: 0n,
      type: sent.type,
      created: new Date(0),
      data: JSON.parse(JSON.stringify(data.data)) as Record<string, unknown>,
      metadata: JSON.parse(JSON.stringify(data.metadata)) as Record<string, unknown>,
    };
    expect(toStoredEvent(recorded, 9n)).toMatchObject({ version: 2, data: { ended_by: 'platform' } });
  });
});

describe('a v1 event stored in SQLite, read back through every path', () => {
  let t: TestService;
  let stored: NewEvent;
  beforeAll(async () => {
    t = await startTestService();
    stored = sessionEndedV1({ type: 'user', id: 'u1' });
    await t.service.eventStore.append([{ stream: 'session-s1', expectedRevision: 'any', events: [stored] }]);
  });
  afterAll(async () => t.close());

  it('stays v1 on disk', () => {
    const row = t.service.db.prepare('SELECT version, data FROM events WHERE id = ?').get(stored.id) as { version: number; data: string };
    expect(row.version).toBe(1);
    expect(JSON.parse(row.data)).not.toHaveProperty('ended_by');
  });

  it('reaches the feed as v2', async () => {
    const res = await call('GET', `${t.platformBase}/events?type=SessionEnded`, await t.token());
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ type: 'SessionEnded', version: 2, data: { session_id: 's1', user_id: 'u1', reason: 'lost phone', ended_by: 'user' } }),
    ]);
  });

  it('reaches projections (through the runner) and deciders (through readStream) as v2', async () => {
    const seen: StoredEvent[] = [];
    const runner = new ProjectionRunner(
      t.service.eventStore,
      [{ name: 'upcast-probe', streamPrefixes: ['session-'], apply: async (events) => void seen.push(...events) }],
      new SqliteCheckpoints(t.service.db),
    );
    await runner.catchUpAll();
    expect(seen.map((e) => [e.version, (e.data as { ended_by?: string }).ended_by])).toEqual([[2, 'user']]);
    const [fromStream] = await t.service.eventStore.readStream('session-s1');
    expect(fromStream).toMatchObject({ version: 2, data: { ended_by: 'user' } });
  });
});
