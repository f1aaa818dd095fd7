import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/commands/session/sessionStore.js';
import { SqliteSessionStore } from '../../src/commands/session/sqliteSessionStore.js';
import type { NewEvent } from '../../src/events/envelope.js';
import { sessionStream } from '../../src/events/sessionEvents.js';
import { SqliteEventStore } from '../../src/events/sqliteEventStore.js';
import { SESSION_T0 as T0, sessionRecord as record } from '../support/sessionRecord.js';
import { openSqlite, type SqliteDatabase } from '../../src/shared/sqlite.js';

const event = (type: string, data: unknown): NewEvent => ({
  id: randomUUID(),
  type,
  version: 1,
  data,
  metadata: { company_id: '559', application_id: 'app1', actor: { type: 'system', id: 'test' }, correlation_id: 'c' },
  occurred_at: new Date(T0).toISOString(),
});
const started = (s: SessionRecord) => event('SessionStarted', { session_id: s.session_id, user_id: s.user_id });

/**
 * The embedded store writes a session's row inside the transaction that appends its
 * SessionStarted event (main.ts wires `writeStaged` as an inline projector): one commit per
 * sign-in, and never a row without its event or an event whose row was lost between two commits.
 */
describe('a session row written with its event', () => {
  let dir: string;
  let db: SqliteDatabase;
  let other: Database.Database;
  let sessions: SqliteSessionStore;
  let log: SqliteEventStore;
  const rowsIn = (connection: Database.Database, s: SessionRecord) =>
    (connection.prepare('SELECT COUNT(*) AS n FROM sessions WHERE session_id = ?').get(s.session_id) as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'session-row-'));
    db = openSqlite(join(dir, 'service.sqlite'));
    sessions = new SqliteSessionStore(db);
    log = new SqliteEventStore(db, sessions.writeStaged);
    other = new Database(join(dir, 'service.sqlite'), { readonly: true });
  });
  afterEach(() => {
    other.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is committed by the append, before save confirms it, and found afterwards', async () => {
    const s = record();
    sessions.stage(s);
    await log.append([{ stream: sessionStream(s.session_id), expectedRevision: 'no_stream', events: [started(s)] }]);
    // Another connection sees what has been committed: the row went with the event.
    expect(rowsIn(other, s)).toBe(1);
    await sessions.save(s);
    expect(rowsIn(other, s)).toBe(1);
    expect(await sessions.findByTokenHash(s.token_hash, T0 + 1)).toEqual(s);
  });

  it('is not written when its append fails', async () => {
    const s = record();
    await log.append([{ stream: sessionStream(s.session_id), expectedRevision: 'no_stream', events: [event('Other', {})] }]);
    sessions.stage(s);
    await expect(log.append([{ stream: sessionStream(s.session_id), expectedRevision: 'no_stream', events: [started(s)] }])).rejects.toThrow(
      /expected revision/,
    );
    sessions.unstage(s.session_id);
    expect(rowsIn(other, s)).toBe(0);
    expect(await sessions.findByTokenHash(s.token_hash, T0 + 1)).toBeNull();
  });

  it('is written once when a neighbour in the same group fails and the group is written again', async () => {
    const s = record();
    const taken = `session-${randomUUID()}`;
    await log.append([{ stream: taken, expectedRevision: 'no_stream', events: [event('Other', {})] }]);
    sessions.stage(s);
    const [conflicting, mine] = await Promise.allSettled([
      log.append([{ stream: taken, expectedRevision: 'no_stream', events: [event('Other', {})] }]),
      log.append([{ stream: sessionStream(s.session_id), expectedRevision: 'no_stream', events: [started(s)] }]),
    ]);
    expect(conflicting.status).toBe('rejected');
    expect(mine.status).toBe('fulfilled');
    await sessions.save(s);
    expect(rowsIn(other, s)).toBe(1);
    expect(await sessions.findByTokenHash(s.token_hash, T0 + 1)).toEqual(s);
  });

  it('is written by save alone when nothing staged it', async () => {
    const s = record();
    await log.append([{ stream: sessionStream(s.session_id), expectedRevision: 'no_stream', events: [started(s)] }]);
    expect(rowsIn(other, s)).toBe(0);
    await sessions.save(s);
    expect(rowsIn(other, s)).toBe(1);
  });
});
