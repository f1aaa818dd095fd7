/**
 * Customer-group benchmarks, as ratios to floors measured in the same run:
 *  - CSV import of 100,000 rows (plus 1% naming nobody) against 100,000 existing customers, on
 *    the embedded job table and on BullMQ (Redis): rows/s from the create request to `completed`,
 *    target >= 10,000 rows/s; floor: downloading and parsing the same file with the same parser
 *    from the same server, doing nothing with the rows.
 *  - membership queries on the read model ("is user X in group G", "which groups is user X in"),
 *    called in-process on the embedded store, target p99 < 5 ms; floor: the same primary-key
 *    lookup as a bare prepared statement. The HTTP endpoint under saturating load is reported
 *    beside it (on this machine even the floor server's p99 under that load is above 5 ms).
 * `groupBenchmarks(...)` is the section bench/run.ts runs (`npm run bench -- groups`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { parse } from 'csv-parse';
import { SQLITE_FILE } from '../src/main.js';
import { SqliteReadStore } from '../src/projections/sqlite/sqliteReadStore.js';
import { openSqlite } from '../src/shared/sqlite.js';
import { atFixedRate, rateFigure } from './report.js';
import { measure, type LoadResult } from './load.js';
import { type Child } from './processes.js';
import { SEED_RUN, seedCustomers } from './seed.js';
import { APP, customerEmail, customerPhone, expectOk, platformToken, PLATFORM_PATH, startService } from './service.js';

export interface GroupBenchRow {
  name: string;
  target: string;
  measured: string;
  ratio: string;
  pass?: boolean;
}

export interface GroupBenchOptions {
  floorServer: Child;
  freshDir: (tag: string) => string;
  log: (message: string) => void;
  /** Customers and CSV rows (default 100,000, or BENCH_GROUP_USERS). */
  users?: number;
}

const QUERIES = 20_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Latencies in ms of `count` calls, sorted. */
async function timed(count: number, call: (i: number) => unknown): Promise<number[]> {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await call(i);
    out[i] = performance.now() - started;
  }
  return out.sort((a, b) => a - b);
}

/** The read model's membership queries against its floor, on the seeded file, in this process. */
async function membershipQueries(dataDir: string, groupId: string, userIds: string[], appId: string): Promise<GroupBenchRow[]> {
  const db = openSqlite(join(dataDir, SQLITE_FILE), 'NORMAL');
  try {
    const groups = new SqliteReadStore(db).groups;
    const raw = db.prepare('SELECT 1 FROM user_group_members WHERE application_id = ? AND group_id = ? AND user_id = ?');
    const pick = (i: number) => userIds[(i * 7919) % userIds.length] ?? '';
    if (!(await groups.isMember(appId, groupId, pick(0)))) throw new Error('membership probe: the first customer is not in the imported group');
    const floor = await timed(QUERIES, (i) => raw.get(appId, groupId, pick(i)));
    const isMember = await timed(QUERIES, (i) => groups.isMember(appId, groupId, pick(i)));
    const groupsOf = await timed(QUERIES, (i) => groups.groupsOf(appId, pick(i)));
    const describe = (xs: number[]) => `p50 ${fmt(percentile(xs, 50), 3)} ms, p99 ${fmt(percentile(xs, 99), 3)} ms`;
    const floorP99 = percentile(floor, 99);
    return [
      { name: `Is user in group, read model (groups.isMember), ${fmt(QUERIES)} calls in-process`, target: 'p99 < 5 ms', measured: `${describe(isMember)} (floor: bare prepared PK lookup, ${describe(floor)})`, ratio: fmt(floorP99 / percentile(isMember, 99), 2), pass: percentile(isMember, 99) < 5 },
      { name: `Groups of a user, read model (groups.groupsOf), ${fmt(QUERIES)} calls in-process`, target: 'p99 < 5 ms', measured: describe(groupsOf), ratio: fmt(floorP99 / percentile(groupsOf, 99), 2), pass: percentile(groupsOf, 99) < 5 },
    ];
  } finally {
    db.close();
  }
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const latency = (r: LoadResult) => `p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms`;

/** Every customer once, named by email, phone or id in turn, and one row in a hundred naming nobody. */
function csvOf(userIds: string[]): { body: Buffer; rows: number; unknown: number } {
  const lines = ['email,phone_number,user_id,action'];
  let unknown = 0;
  userIds.forEach((userId, i) => {
    if (i % 3 === 0) lines.push(`${customerEmail(SEED_RUN, i)},,,add`);
    else if (i % 3 === 1) lines.push(`,${customerPhone(9, i)},,add`);
    else lines.push(`,,${userId},add`);
    if (i % 100 === 99) {
      lines.push(`nobody${i}@bench.example.com,,,add`);
      unknown += 1;
    }
  });
  return { body: Buffer.from(`${lines.join('\n')}\n`), rows: lines.length - 1, unknown };
}

async function serve(body: Buffer): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(body.length) }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/members.csv`, server };
}

/** The floor: the same download and the same parser, rows counted and dropped. */
async function parseFloor(url: string): Promise<{ rowsPerSecond: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(url);
  if (res.body === null) throw new Error('floor download has no body');
  const parser = parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true });
  const feeding = (async () => {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
    parser.end();
  })();
  let rows = 0;
  for await (const _row of parser) rows += 1;
  await feeding;
  const ms = performance.now() - started;
  return { rowsPerSecond: (rows / ms) * 1000, ms };
}

interface ImportRun {
  groupId: string;
  rowsPerSecond: number;
  ms: number;
  errorCount: number;
}

async function importOnce(server: Child, token: string, fileUrl: string, rows: number, name: string): Promise<ImportRun> {
  const started = performance.now();
  const res = await fetch(`${server.url}${PLATFORM_PATH}/user_group`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, description: 'benchmark import', file_url: fileUrl }),
  });
  const created = (await res.json()) as { _id: string };
  if (res.status !== 201) throw new Error(`create group: ${res.status} ${JSON.stringify(created)}`);
  for (;;) {
    const group = (await expectOk(`${server.url}${PLATFORM_PATH}/user_group/${created._id}`, token)) as { status: string; error: { count: number } };
    if (group.status === 'failed') throw new Error(`${name}: the import failed`);
    if (group.status === 'completed') {
      const ms = performance.now() - started;
      return { groupId: created._id, rowsPerSecond: (rows / ms) * 1000, ms, errorCount: group.error.count };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function groupBenchmarks(options: GroupBenchOptions): Promise<GroupBenchRow[]> {
  const { floorServer, freshDir, log } = options;
  const users = options.users ?? Number(process.env.BENCH_GROUP_USERS ?? 100_000);
  const rows: GroupBenchRow[] = [];
  log(`groups 1/3: seeding ${fmt(users)} customers`);
  const dataDir = freshDir('groups');
  const seeded = await seedCustomers(dataDir, users, 500, (done) => log(`  customers: ${fmt(done)}`));
  const csv = csvOf(seeded.userIds);
  const file = await serve(csv.body);
  const env = { GROUP_IMPORT_ALLOWED_HOSTS: '127.0.0.1' };
  try {
    const imports: Array<{ label: string; env: Record<string, string>; cleanup?: () => Promise<void> }> = [
      { label: 'embedded job table', env },
    ];
    const database = `bench_groups_${randomBytes(4).toString('hex')}`;
    imports.push({
      label: 'BullMQ on Redis',
      env: { ...env, REDIS_URL, MONGODB_DATABASE: database },
      cleanup: async () => {
        const queue = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: `user-service:${database}` });
        await queue.obliterate({ force: true });
        await queue.close();
      },
    });
    let lastGroup = '';
    for (const [n, variant] of imports.entries()) {
      log(`groups 2/3: CSV import of ${fmt(csv.rows)} rows (${fmt(csv.body.length / 1024 / 1024, 1)} MiB), ${variant.label}`);
      const server = await startService(dataDir, variant.env);
      try {
        const token = await platformToken(server.url);
        const floor = await parseFloor(file.url);
        const run = await importOnce(server, token, file.url, csv.rows, `bench import ${n}`);
        if (run.errorCount !== csv.unknown) throw new Error(`import counted ${run.errorCount} bad rows, expected ${csv.unknown}`);
        lastGroup = run.groupId;
        log(`  import ${fmt(run.rowsPerSecond)} rows/s (${fmt(run.ms / 1000, 2)} s); floor (download + parse only) ${fmt(floor.rowsPerSecond)} rows/s`);
        rows.push({
          name: `CSV import, ${fmt(csv.rows)} rows vs ${fmt(users)} customers, ${variant.label} (create -> completed)`,
          target: '>= 10,000 rows/s',
          measured: `${fmt(run.rowsPerSecond)} rows/s in ${fmt(run.ms / 1000, 2)} s, ${fmt(run.errorCount)} rows reported (floor ${fmt(floor.rowsPerSecond)} rows/s)`,
          ratio: fmt(run.rowsPerSecond / floor.rowsPerSecond, 2),
          pass: run.rowsPerSecond >= 10_000,
        });
        if (n === imports.length - 1) {
          log('groups 3/3: membership queries over HTTP under load, then on the read model in-process');
          const url = `${server.url}${PLATFORM_PATH}/user_group/${lastGroup}/members/`;
          const probe = (await expectOk(`${url}${seeded.userIds[0] ?? ''}`, token)) as { is_member: boolean };
          if (!probe.is_member) throw new Error('membership probe: the first customer is not in the imported group');
          const floorLoad = await measure({ url: floorServer.url, pid: floorServer.pid, next: () => ({ path: '/floor' }) });
          const load = await measure({
            url: server.url,
            pid: server.pid,
            headers: { authorization: `Bearer ${token}` },
            next: () => ({ path: `${PLATFORM_PATH}/user_group/${lastGroup}/members/${seeded.userIds[Math.floor(Math.random() * users)] ?? ''}` }),
          });
          if (load.non2xx > 0 || load.errors > 0) throw new Error(`membership load: ${load.non2xx} non-2xx, ${load.errors} errors`);
          log(`  is member: ${fmt(load.rps)} req/s (${latency(load)}); floor ${fmt(floorLoad.rps)} req/s (${latency(floorLoad)})`);
          rows.push({
            name: `Is user in group (GET …/user_group/{id}/members/{user_id}), group of ${fmt(users)}`,
            target: 'reported (saturating closed-loop load)',
            measured: `${fmt(load.rps)} req/s, ${latency(load)}, ${fmt(load.cpuUsPerRequest)} us CPU/req (floor ${fmt(floorLoad.rps)} req/s, ${latency(floorLoad)})`,
            ratio: `${fmt(load.rps / floorLoad.rps, 2)} (CPU ${fmt(floorLoad.cpuUsPerRequest / load.cpuUsPerRequest, 2)})`,
          });
          const steady = await atFixedRate(
            floorServer,
            'is member',
            {
              url: server.url,
              pid: server.pid,
              headers: { authorization: `Bearer ${token}` },
              next: () => ({ path: `${PLATFORM_PATH}/user_group/${lastGroup}/members/${seeded.userIds[Math.floor(Math.random() * users)] ?? ''}` }),
            },
            1_000,
            log,
          );
          rows.push({
            name: `Is user in group over HTTP at a fixed rate, group of ${fmt(users)}`,
            // Reported, not judged: paced by autocannon's timers, even the floor's p99 at this rate is 7-12 ms here.
            target: 'reported',
            measured: rateFigure(steady),
            ratio: '-',
          });
        }
      } finally {
        await server.stop();
        await variant.cleanup?.();
      }
    }
    rows.push(...(await membershipQueries(dataDir, lastGroup, seeded.userIds, APP)));
  } finally {
    await new Promise<void>((resolve) => file.server.close(() => resolve()));
  }
  return rows;
}
