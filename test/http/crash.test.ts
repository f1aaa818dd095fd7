/**
 * Crash safety of the embedded default: the real service runs as a child process, takes a burst of
 * concurrent writes, and is killed with SIGKILL while writes are still in flight. After a restart
 * on the same data directory every write that got a 2xx must be there, and the read model the API
 * serves must be exactly what folding the event log gives.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toUserSchema } from '../../src/api/platform/customerMapping.js';
import type { EventMetadata, StoredEvent } from '../../src/events/envelope.js';
import { DataKeys } from '../../src/events/dataKeys.js';
import { openEventsSync } from '../../src/events/encryptingEventStore.js';
import { SqliteDataKeyStore } from '../../src/events/sqliteDataKeyStore.js';
import { FieldCipher } from '../../src/shared/fieldCipher.js';
import { SQLITE_FILE } from '../../src/main.js';
import { evolveCustomerView, type CustomerView } from '../../src/projections/customers/customerView.js';
import { APP, COMPANY } from '../support/testService.js';
import { startChildService, stop, stopAllChildren, tokenFor, type RunningService } from '../support/childService.js';

const CREATES = 200;
const CONCURRENCY = 32;
/** Kill once this many creates are acknowledged: the rest are queued or in flight. */
const KILL_AFTER_CREATES = 150;

interface WireCustomer {
  user_id: string;
  active: boolean;
  archive: boolean;
  emails: Array<{ email: string }>;
  phone_numbers: Array<{ phone: string; country_code: number }>;
  [key: string]: unknown;
}

const platformPath = `/service/platform/user/v1.0/company/${COMPANY}/application/${APP}`;

async function api(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${platformPath}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every customer of the application, archived ones included, through the list endpoint. */
async function allCustomers(baseUrl: string, token: string): Promise<WireCustomer[]> {
  const q = encodeURIComponent(JSON.stringify({ $or: [{ archive: true }, { archive: false }] }));
  const customers: WireCustomer[] = [];
  for (let page = 1; ; page += 1) {
    const res = await api(baseUrl, token, 'GET', `/customers/list?q=${q}&page_size=100&page_no=${page}`);
    expect(res.status).toBe(200);
    customers.push(...(res.body.items as WireCustomer[]));
    if ((res.body.page as { has_next: boolean }).has_next !== true) return customers;
  }
}

interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  version: number;
  data: string;
  metadata: string;
  occurred_at: string;
}

/** The customers as the event log says they are: each user's stream folded, read straight from the file. */
function customersFromLog(file: string): { views: Map<string, CustomerView>; gaps: string[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], EventRow>("SELECT * FROM events WHERE stream LIKE 'user-%' ORDER BY position").all();
    // Personal fields are encrypted per person: open them with the keys and master key in the file.
    const master = db.prepare<[], { value: string }>("SELECT value FROM settings WHERE name = 'data_encryption_key'").get()?.value ?? '';
    const keys = new DataKeys(new SqliteDataKeyStore(db), new FieldCipher(master));
    const views = new Map<string, CustomerView>();
    const lastRevision = new Map<string, number>();
    const gaps: string[] = [];
    for (const row of rows) {
      const expected = (lastRevision.get(row.stream) ?? -1) + 1;
      if (row.revision !== expected) gaps.push(`${row.stream}: revision ${row.revision} after ${expected - 1}`);
      lastRevision.set(row.stream, row.revision);
      const sealed: StoredEvent = {
        id: row.id,
        stream: row.stream,
        revision: row.revision,
        position: BigInt(row.position),
        type: row.type,
        version: row.version,
        data: JSON.parse(row.data) as unknown,
        metadata: JSON.parse(row.metadata) as EventMetadata,
        occurred_at: row.occurred_at,
      };
      const [stored = sealed] = openEventsSync([sealed], keys);
      const userId = row.stream.slice('user-'.length);
      const next = evolveCustomerView(views.get(userId) ?? null, stored);
      if (next !== null) views.set(userId, next);
    }
    return { views, gaps };
  } finally {
    db.close();
  }
}

interface Outcomes {
  created: Map<string, { email: string; phone: string }>;
  blocked: Set<string>;
  archived: Set<string>;
  /** Archives sent, acknowledged or not: one whose answer the kill cut off may or may not have landed. */
  archiveSent: Set<string>;
  /** HTTP answers that were not 2xx: none are expected, every identity is unique. */
  refused: string[];
  /** Requests that had been sent and not answered when the process died. */
  inFlightAtKill: number;
}

/**
 * Up to CREATES customers, CONCURRENCY at a time; after its create is acknowledged, a customer is
 * blocked (i % 4 == 1), archived (i % 4 == 2), or blocked then archived (i % 4 == 3). The process
 * is SIGKILLed from inside the response handler of the KILL_AFTER_CREATES-th acknowledged create.
 */
async function writeUntilKilled(service: RunningService, token: string): Promise<Outcomes> {
  const outcomes: Outcomes = { created: new Map(), blocked: new Set(), archived: new Set(), archiveSent: new Set(), refused: [], inFlightAtKill: 0 };
  let next = 0;
  let inFlight = 0;
  let killed = false;
  const killedPromise = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));

  const send = async (what: string, method: string, path: string, body: unknown): Promise<Record<string, unknown> | null> => {
    if (killed) return null;
    inFlight += 1;
    try {
      const res = await api(service.baseUrl, token, method, path, body);
      if (res.status >= 200 && res.status < 300) return res.body;
      if (!killed) outcomes.refused.push(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      return null;
    } catch {
      // The connection died with the process: the outcome of this write is unknown.
      return null;
    } finally {
      inFlight -= 1;
    }
  };

  const kill = () => {
    if (killed) return;
    killed = true;
    // The request that triggered this has been answered; these have been sent and are not.
    outcomes.inFlightAtKill = inFlight;
    service.child.kill('SIGKILL');
  };

  const worker = async () => {
    while (!killed && next < CREATES) {
      const i = next;
      next += 1;
      const email = `crash.${i}@example.com`;
      const phone = `9${String(100_000_000 + i)}`;
      const reply = await send(`create ${i}`, 'POST', '/customers', { phone_number: phone, email, first_name: `C${i}` });
      const userId = (reply?.user as { user_id?: string } | undefined)?.user_id;
      if (userId === undefined) continue;
      outcomes.created.set(userId, { email, phone });
      if (outcomes.created.size >= KILL_AFTER_CREATES) kill();
      if (i % 4 === 1 || i % 4 === 3) {
        const ok = await send(`block ${i}`, 'PUT', '/customers/activation', { status: false, user_id: [userId], reason: 'crash test' });
        if (ok !== null) outcomes.blocked.add(userId);
      }
      if (i % 4 === 2 || i % 4 === 3) {
        outcomes.archiveSent.add(userId);
        const ok = await send(`archive ${i}`, 'PUT', '/customers/archive', { user_id: userId, reason: 'crash test' });
        if (ok !== null) outcomes.archived.add(userId);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (!killed) kill();
  await killedPromise;
  return outcomes;
}

afterEach(async () => {
  await stopAllChildren();
});

describe.each(['NORMAL', 'FULL'])('SIGKILL during writes with SQLITE_SYNCHRONOUS=%s', (synchronous) => {
  // Two cold starts of a child process (tsx, argon2 for the bootstrap secrets) dominate: ~6-10 s on
  // an idle machine; the margin is for a loaded CI box.
  it('keeps every acknowledged write, and the read model equals the folded event log', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'user-service-crash-'));
    try {
      const first = await startChildService(dataDir, { SQLITE_SYNCHRONOUS: synchronous });
      const outcomes = await writeUntilKilled(first, await tokenFor(first.baseUrl));
      expect(first.child.signalCode, first.output()).toBe('SIGKILL');
      expect(outcomes.refused).toEqual([]);
      // The kill really happened mid-burst: acknowledged writes behind it, unanswered ones in flight.
      expect(outcomes.created.size).toBeGreaterThanOrEqual(KILL_AFTER_CREATES);
      expect(outcomes.created.size).toBeLessThan(CREATES);
      expect(outcomes.inFlightAtKill).toBeGreaterThan(0);
      expect(outcomes.blocked.size).toBeGreaterThan(0);
      expect(outcomes.archived.size).toBeGreaterThan(0);

      const second = await startChildService(dataDir, { SQLITE_SYNCHRONOUS: synchronous });
      const token = await tokenFor(second.baseUrl);
      const customers = await allCustomers(second.baseUrl, token);
      const byId = new Map(customers.map((c) => [c.user_id, c]));

      // 1. Every acknowledged write survived.
      for (const [userId, { email, phone }] of outcomes.created) {
        const customer = byId.get(userId);
        expect(customer, `acknowledged create of ${userId} lost`).toBeDefined();
        expect(customer?.emails.map((e) => e.email)).toEqual([email]);
        expect(customer?.phone_numbers.map((p) => p.phone)).toEqual([phone]);
      }
      for (const userId of outcomes.blocked) expect(byId.get(userId)?.active, `block of ${userId} lost`).toBe(false);
      for (const userId of outcomes.archived) expect(byId.get(userId)?.archive, `archive of ${userId} lost`).toBe(true);
      // An archived customer is gone from the default list; a live one is found by its email.
      for (const [userId, { email }] of outcomes.created) {
        const res = await api(second.baseUrl, token, 'GET', `/customers/list?q=${encodeURIComponent(email)}`);
        const ids = (res.body.items as WireCustomer[]).map((c) => c.user_id);
        const archivedNow = byId.get(userId)?.archive === true;
        if (outcomes.archived.has(userId)) expect(archivedNow).toBe(true);
        if (!outcomes.archiveSent.has(userId)) expect(archivedNow).toBe(false);
        expect(ids).toEqual(archivedNow ? [] : [userId]);
      }

      // 2. No identifier is held twice after the crash, and the service still takes writes for them.
      const live = customers.filter((c) => !c.archive);
      const emails = live.flatMap((c) => c.emails.map((e) => e.email));
      const phones = live.flatMap((c) => c.phone_numbers.map((p) => `${p.country_code}${p.phone}`));
      expect(new Set(emails).size).toBe(emails.length);
      expect(new Set(phones).size).toBe(phones.length);
      const [someArchived] = outcomes.archived;
      if (someArchived === undefined) throw new Error('no archive was acknowledged');
      const archivedEmail = outcomes.created.get(someArchived)?.email;
      const reuse = await api(second.baseUrl, token, 'POST', '/customers', { phone_number: '9199999999', email: archivedEmail });
      expect(reuse.status, JSON.stringify(reuse.body)).toBe(200);
      const [someLive] = live;
      if (someLive === undefined) throw new Error('no live customer after the crash');
      const taken = await api(second.baseUrl, token, 'POST', '/customers', {
        phone_number: '9188888888',
        email: someLive.emails[0]?.email,
      });
      expect(taken.status).toBe(409);

      const afterWrites = await allCustomers(second.baseUrl, token);
      await stop(second.child, 'SIGTERM');
      expect(second.child.exitCode, second.output()).toBe(0);

      // 3. The read model is exactly the fold of the event log, customer by customer.
      const { views, gaps } = customersFromLog(join(dataDir, SQLITE_FILE));
      expect(gaps).toEqual([]);
      expect(afterWrites.map((c) => c.user_id).sort()).toEqual([...views.keys()].sort());
      for (const customer of afterWrites) {
        const view = views.get(customer.user_id);
        if (view === undefined) throw new Error(`customer ${customer.user_id} has no events`);
        expect(customer).toEqual(JSON.parse(JSON.stringify(toUserSchema(view))) as unknown);
      }
      expect(afterWrites.length).toBeGreaterThanOrEqual(outcomes.created.size + 1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
