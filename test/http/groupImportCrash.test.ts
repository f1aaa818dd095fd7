/**
 * A CSV import whose service is killed (SIGKILL) in the middle: after a restart on the same data
 * directory the job runs again once its lease lapses, resumes after the last batch it wrote, and
 * every customer of the file is added exactly once.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../src/main.js';
import { startChildService, stop, stopAllChildren, tokenFor, type RunningService } from '../support/childService.js';
import { eventually, startFileServer } from '../support/fileServer.js';
import { APP, COMPANY } from '../support/testService.js';

const CUSTOMERS = 200;
const BATCH = 50;
const platformPath = `/service/platform/user/v1.0/company/${COMPANY}/application/${APP}`;

async function api(service: RunningService, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${service.baseUrl}${platformPath}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The import's batches as the log holds them (they carry user ids only, so they are stored in clear). */
function batchesIn(dir: string): Array<{ added: string[]; rows_through: number }> {
  const db = new Database(join(dir, SQLITE_FILE));
  try {
    return db
      .prepare<[], { data: string }>("SELECT data FROM events WHERE stream LIKE 'userGroupImport-%' ORDER BY position")
      .all()
      .map((e) => JSON.parse(e.data) as { added: string[]; rows_through: number });
  } finally {
    db.close();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'user-service-group-crash-'));
const env = { GROUP_IMPORT_ALLOWED_HOSTS: '127.0.0.1', GROUP_IMPORT_BATCH_ROWS: String(BATCH), JOB_LEASE_MS: '3000' };
afterEach(async () => stopAllChildren());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a group import killed in the middle', () => {
  // Two service starts and a lease to wait out: on a busy machine (the full suite beside it) that is more than the default 30 s.
  it('resumes after a restart and adds every customer of the file exactly once', { timeout: 120_000 }, async () => {
    const first = await startChildService(dataDir, env);
    const token = await tokenFor(first.baseUrl);
    const userIds: string[] = [];
    for (let start = 0; start < CUSTOMERS; start += 40) {
      const created = await Promise.all(
        Array.from({ length: Math.min(40, CUSTOMERS - start) }, (_, k) =>
          api(first, token, 'POST', '/customers', { phone_number: `96${String(start + k).padStart(8, '0')}`, first_name: `C${start + k}` }),
        ),
      );
      for (const res of created) {
        expect(res.status).toBe(200);
        userIds.push((res.body.user as { _id: string })._id);
      }
    }
    // The file trickles out, 25 rows every 250 ms, so the service is killed while it still reads.
    const rows = userIds.map((id) => `${id},add`);
    const files = await startFileServer({
      '/slow.csv': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.write('user_id,action\n');
        let next = 0;
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          const chunk = rows.slice(next, next + 25);
          next += 25;
          if (chunk.length === 0) {
            clearInterval(timer);
            res.end();
          } else {
            res.write(`${chunk.join('\n')}\n`);
          }
        }, 250);
      },
    });
    try {
      const created = await api(first, token, 'POST', '/user_group', { name: 'killed import', description: 'x', type: 'bulk', file_url: files.url('/slow.csv') });
      expect(created.status).toBe(201);
      const groupId = String(created.body._id);
      // Killed as soon as the first batch is in: the download is then still running.
      await eventually(
        () => api(first, token, 'GET', `/user_group/${groupId}/members/${userIds[0] ?? ''}`),
        (r) => r.body.is_member === true,
      );
      const before = await api(first, token, 'GET', `/user_group/${groupId}`);
      await stop(first.child, 'SIGKILL');
      expect(before.body.status).toBe('in_progress');
      const writtenBeforeKill = batchesIn(dataDir).length;
      expect(writtenBeforeKill).toBeGreaterThanOrEqual(1);
      expect(writtenBeforeKill).toBeLessThan(CUSTOMERS / BATCH);

      // No wait here: the restarted worker claims the job as soon as the dead one's lease lapses.
      // (A lease shorter than a busy event loop's stalls would let the live service claim its own job twice.)
      const second = await startChildService(dataDir, env);
      const again = await tokenFor(second.baseUrl);
      const done = await eventually(
        () => api(second, again, 'GET', `/user_group/${groupId}`),
        (r) => r.body.status === 'completed' || r.body.status === 'failed',
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\nfirst run:\n${first.output()}\nsecond run:\n${second.output()}`);
      });
      expect(done.body).toMatchObject({ status: 'completed', error: { count: 0 } });
      for (const userId of userIds) {
        expect((await api(second, again, 'GET', `/user_group/${groupId}/members/${userId}`)).body.is_member).toBe(true);
      }
      await stop(second.child, 'SIGTERM');
      // The second run fetched the file again and skipped the rows the first had written.
      expect(files.hits.get('/slow.csv')).toBe(2);
    } finally {
      await files.close();
    }

    // The log: batches in row order, and each customer added once, across the two runs.
    const batches = batchesIn(dataDir);
    const through = batches.map((b) => b.rows_through);
    expect(through).toEqual([...through].sort((a, b) => a - b));
    expect(new Set(through).size).toBe(through.length);
    expect(through.at(-1)).toBe(CUSTOMERS);
    const added = batches.flatMap((b) => b.added);
    expect(added).toHaveLength(CUSTOMERS);
    expect(new Set(added)).toEqual(new Set(userIds));
  });
});
