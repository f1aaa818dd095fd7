import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/envelope.js';
import { WrongExpectedRevisionError, type EventStore } from '../../src/events/eventStore.js';

export interface EventStoreUnderTest {
  store: EventStore;
  /** Adapters that write several streams in one transaction say so; EventStoreDB cannot. */
  atomicMultiStream: boolean;
  cleanup(): Promise<void>;
}

const event = (type = 'Something', data: unknown = { n: 1 }): NewEvent => ({
  id: randomUUID(),
  type,
  version: 1,
  data,
  metadata: {
    company_id: '559',
    application_id: 'app',
    actor: { type: 'platform_client', id: 'c1' },
    correlation_id: 'corr-1',
    causation_id: 'cause-1',
  },
  occurred_at: '2026-11-27T10:00:00.000Z',
});

/** One behaviour suite that every event-store adapter runs. */
export function eventStoreConformance(name: string, open: () => Promise<EventStoreUnderTest>, skipBecause?: string): void {
  describe.skipIf(skipBecause !== undefined)(`event store conformance: ${name}${skipBecause === undefined ? '' : ` (skipped: ${skipBecause})`}`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    let prefix: string;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
      prefix = `t${randomUUID().replaceAll('-', '').slice(0, 12)}-`;
    });
    afterEach(async () => subject.cleanup());

    it('reads back exactly what was appended, with revisions and increasing positions', async () => {
      const a = event('A', { nested: { x: [1, 2] }, s: 'é' });
      const b = event('B');
      await store.append([{ stream: `${prefix}s1`, expectedRevision: 'no_stream', events: [a, b] }]);
      const read = await store.readStream(`${prefix}s1`);
      expect(read.map(({ position: _p, ...rest }) => rest)).toEqual([
        { ...a, stream: `${prefix}s1`, revision: 0 },
        { ...b, stream: `${prefix}s1`, revision: 1 },
      ]);
      expect(read[1]!.position).toBeGreaterThan(read[0]!.position);
      expect(await store.readStream(`${prefix}missing`)).toEqual([]);
    });

    it('reads only the newest events of a stream when asked, oldest first, with their revisions', async () => {
      const [a, b, c] = [event('A'), event('B'), event('C')];
      await store.append([{ stream: `${prefix}s1`, expectedRevision: 'no_stream', events: [a, b] }]);
      await store.append([{ stream: `${prefix}s1`, expectedRevision: 1, events: [c] }]);
      expect((await store.readStream(`${prefix}s1`, { latest: 1 })).map((e) => [e.id, e.revision])).toEqual([[c.id, 2]]);
      expect((await store.readStream(`${prefix}s1`, { latest: 2 })).map((e) => [e.id, e.revision])).toEqual([
        [b.id, 1],
        [c.id, 2],
      ]);
      expect((await store.readStream(`${prefix}s1`, { latest: 10 })).map((e) => e.id)).toEqual([a.id, b.id, c.id]);
      expect(await store.readStream(`${prefix}missing`, { latest: 1 })).toEqual([]);
    });

    it('rejects a wrong expected revision and writes nothing', async () => {
      await store.append([{ stream: `${prefix}s1`, expectedRevision: 'no_stream', events: [event()] }]);
      await expect(store.append([{ stream: `${prefix}s1`, expectedRevision: 'no_stream', events: [event()] }])).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(store.append([{ stream: `${prefix}s1`, expectedRevision: 5, events: [event()] }])).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(await store.readStream(`${prefix}s1`)).toHaveLength(1);
      await store.append([{ stream: `${prefix}s1`, expectedRevision: 0, events: [event()] }]);
      await store.append([{ stream: `${prefix}s1`, expectedRevision: 'any', events: [event()] }]);
      expect((await store.readStream(`${prefix}s1`)).map((e) => e.revision)).toEqual([0, 1, 2]);
    });

    it('treats a re-sent append (same event ids, same expected revision) as already done', async () => {
      const events = [event(), event()];
      const first = await store.append([{ stream: `${prefix}s1`, expectedRevision: 'no_stream', events }]);
      const again = await store.append([{ stream: `${prefix}s1`, expectedRevision: 'no_stream', events }]);
      expect(again.revisions[`${prefix}s1`]).toBe(first.revisions[`${prefix}s1`]);
      expect(await store.readStream(`${prefix}s1`)).toHaveLength(2);
    });

    it('of 50 concurrent appends expecting a new stream, exactly one wins', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => store.append([{ stream: `${prefix}race`, expectedRevision: 'no_stream', events: [event()] }])),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(`${prefix}race`)).toHaveLength(1);
    });

    it('50 concurrent appends to different streams all succeed', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => store.append([{ stream: `${prefix}s${i}`, expectedRevision: 'no_stream', events: [event()] }])),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    });

    it('reads the log in order from any position, page after page, with a stream-prefix filter', async () => {
      for (let i = 0; i < 25; i += 1) {
        await store.append([
          { stream: `${prefix}keep-${i}`, expectedRevision: 'no_stream', events: [event('Kept', { i })] },
          { stream: `${prefix}skip-${i}`, expectedRevision: 'no_stream', events: [event('Skipped', { i })] },
        ]);
      }
      const seen: number[] = [];
      let after: bigint | undefined;
      for (let page = 0; page < 10; page += 1) {
        const batch = await store.readAll({ ...(after === undefined ? {} : { after }), limit: 7, streamPrefixes: [`${prefix}keep-`] });
        if (batch.length === 0) break;
        for (const e of batch) {
          expect(e.type).toBe('Kept');
          if (after !== undefined) expect(e.position).toBeGreaterThan(after);
          after = e.position;
          seen.push((e.data as { i: number }).i);
        }
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect(await store.headPosition()).toBeGreaterThanOrEqual(after ?? 0n);
    });

    it('reads whole categories (<category>-<id> streams) merged in log order, page after page', async () => {
      const tag = Math.random().toString(36).slice(2, 10);
      const [alpha, beta, other] = [`alpha${tag}`, `beta${tag}`, `other${tag}`];
      for (let i = 0; i < 12; i += 1) {
        const category = [alpha, beta, other][i % 3] ?? other;
        await store.append([{ stream: `${category}-${i}`, expectedRevision: 'no_stream', events: [event('Cat', { i })] }]);
      }
      const seen: number[] = [];
      let after: bigint | undefined;
      for (let page = 0; page < 10; page += 1) {
        const batch = await store.readAll({ ...(after === undefined ? {} : { after }), limit: 3, streamPrefixes: [`${beta}-`, `${alpha}-`] });
        if (batch.length === 0) break;
        expect(batch.length).toBeLessThanOrEqual(3);
        for (const e of batch) {
          if (after !== undefined) expect(e.position).toBeGreaterThan(after);
          after = e.position;
          seen.push((e.data as { i: number }).i);
        }
      }
      expect(seen).toEqual([0, 1, 3, 4, 6, 7, 9, 10]);
    });

    it('an append to several streams fails as a whole when one stream conflicts (atomic adapters)', async (ctx) => {
      if (!subject.atomicMultiStream) {
        ctx.skip();
        return;
      }
      await store.append([{ stream: `${prefix}b`, expectedRevision: 'no_stream', events: [event()] }]);
      await expect(
        store.append([
          { stream: `${prefix}a`, expectedRevision: 'no_stream', events: [event()] },
          { stream: `${prefix}b`, expectedRevision: 'no_stream', events: [event()] },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(`${prefix}a`)).toEqual([]);
    });
  });
}
