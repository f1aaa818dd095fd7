/**
 * Where the time goes, for a benchmark that misses its target (not part of `npm run bench`):
 *
 *   npx tsx bench/profile.ts seed 20000       createCustomer in-process (profiled in-process)
 *   npx tsx bench/profile.ts rebuild 20000    rebuildSqliteProjection over a seeded log
 *   npx tsx bench/profile.ts get 20000        server under GET /customers/<id> load (node --cpu-prof)
 *   npx tsx bench/profile.ts list 20000       server under GET /customers/list?q=<email> load
 *   npx tsx bench/profile.ts create           server under POST /customers load
 *   npx tsx bench/profile.ts session          server under storefront GET .../session (getLoggedInUser) load
 *   npx tsx bench/profile.ts create-session 10000  server under POST .../customers/session load
 *   npx tsx bench/profile.ts login            server under storefront POST .../login/password load (main thread only:
 *                                             argon2 runs on the libuv pool, which --cpu-prof does not sample)
 *   npx tsx bench/profile.ts upsert 10000     server under PUT .../definition/{id}/user/{user_id} load
 *   npx tsx bench/profile.ts filter 100000    server under POST .../user_attribute/users (tier eq, random page) load,
 *                                             users holding the 10 attributes of bench/attributes.ts
 *
 * Extra server environment (e.g. LOG_LEVEL=warn) can be given as KEY=VALUE arguments.
 * PROFILE_OUT=<file> keeps the .cpuprofile of a server scenario.
 * PROFILE_FRAMES=a,b adds the inclusive time of the functions named a and b to the report.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_FILE } from '../src/main.js';
import { rebuildSqliteProjection } from '../src/projections/sqlite/rebuild.js';
import { openSqlite } from '../src/shared/sqlite.js';
import { printProfile, summarizeProfile } from './cpuprofile.js';
import { measure, type LoadResult } from './load.js';
import { threadCpuSecondsOf } from './processes.js';
import { createCustomerLoad, createSessionLoad, getByIdLoad, listByEmailLoad } from './scenarios.js';
import { seedCustomers } from './seed.js';
import { APP, COMPANY, embeddedLog, platformToken, startService } from './service.js';
import { seedAttributes, tierEqLoad, upsertLoad } from './attributes.js';
import { APP_TOKEN, AUTH, credentials, seedShoppers, STOREFRONT, storefrontCall } from './signin.js';

const [scenario = 'get', countArg, ...rest] = process.argv.slice(2);
const count = Number(countArg ?? 20_000);
const extraEnv = Object.fromEntries(rest.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const work = mkdtempSync(join(tmpdir(), 'user-service-profile-'));

async function inProcess<T>(title: string, task: () => Promise<T> | T): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const started = performance.now();
  const result = await task();
  const ms = performance.now() - started;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const file = join(work, `${title}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  printProfile(`${title} (${ms.toFixed(0)} ms wall)`, summarizeProfile(file, 40));
  return result;
}

async function underLoad(
  title: string,
  dataDir: string,
  load: (url: string, pid: number, token: string) => Promise<LoadResult>,
  env: Record<string, string> = {},
): Promise<void> {
  const profDir = join(work, 'prof');
  mkdirSync(profDir);
  const server = await startService(dataDir, { ...env, ...extraEnv }, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200']);
  let result: LoadResult;
  try {
    result = await load(server.url, server.pid, await platformToken(server.url));
  } finally {
    await server.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  // PROFILE_OUT=<file> keeps the profile (e.g. to open in Chrome DevTools); the work directory is removed.
  if (process.env.PROFILE_OUT !== undefined) copyFileSync(join(profDir, file), process.env.PROFILE_OUT);
  const summary = summarizeProfile(join(profDir, file), 40);
  printProfile(`${title}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms} ms`, summary);
  console.log('-- inclusive time of selected frames (share of all samples, warm-up and start-up included)');
  for (const [name, re] of Object.entries({
    'jwtVerify (jose)': /^jwtVerify$/,
    'prom-client timer': /^(startTimer|observe)$/,
    'express.json': /^jsonParser$/,
    'zod safeParse': /^(safeParse|_safeParse)$/,
    'libphonenumber parse': /^parsePhoneNumberFromString$/,
    'SqliteEventStore.flush': /^flush$/,
    'customers.list': /^list$/,
    'customers.get': /^get$/,
    'res.json': /^json$/,
    // More frames by name, e.g. PROFILE_FRAMES=assertCustomer,liveDefinition: where one command's time goes.
    ...Object.fromEntries((process.env.PROFILE_FRAMES ?? '').split(',').filter(Boolean).map((name) => [name, new RegExp(`^${name}$`)])),
  })) {
    const ms = summary.inclusive(re);
    console.log(`${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)}% ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  }
}

async function main(): Promise<void> {
  const dataDir = join(work, 'data');
  if (scenario === 'seed') {
    await inProcess(`seed ${count}`, () => seedCustomers(dataDir, count));
    return;
  }
  if (scenario === 'session') {
    await underLoad('getLoggedInUser', dataDir, async (url, pid) => {
      await seedShoppers(url);
      const signedIn = await storefrontCall(url, '/authentication/v1.0/login/password', credentials(0));
      if (signedIn.cookie === undefined) throw new Error(`login failed: ${signedIn.status}`);
      const cookie = signedIn.cookie;
      return measure({ url, pid, headers: { authorization: AUTH, cookie }, next: () => ({ path: `${STOREFRONT}/authentication/v1.0/session` }) });
    }, { BOOTSTRAP_APPLICATIONS: `${COMPANY}:${APP}:${APP_TOKEN}` });
    return;
  }
  if (scenario === 'login') {
    await underLoad('password login', dataDir, async (url, pid) => {
      await seedShoppers(url);
      let i = 0;
      const before = threadCpuSecondsOf(pid);
      const result = await measure({
        url,
        pid,
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        next: () => {
          i += 1;
          return { path: `${STOREFRONT}/authentication/v1.0/login/password`, body: JSON.stringify(credentials(i % 40)) };
        },
      });
      // Warm-up included on both sides: CPU over every login sent, main thread apart from the rest.
      let main = 0;
      let others = 0;
      for (const [tid, seconds] of threadCpuSecondsOf(pid)) {
        const used = seconds - (before.get(tid) ?? 0);
        if (tid === pid) main += used;
        else others += used;
      }
      console.log(`CPU per login: main thread ${((main * 1e6) / i).toFixed(0)} µs, other threads (argon2 pool, V8 helpers) ${((others * 1e6) / i).toFixed(0)} µs`);
      return result;
    }, {
      BOOTSTRAP_APPLICATIONS: `${COMPANY}:${APP}:${APP_TOKEN}`,
      // As in bench/signin.ts: one client address must not measure the limiter.
      SIGNIN_RATE_LIMIT_PER_IP: '1000000',
      SIGNIN_RATE_LIMIT_PER_ACCOUNT: '1000000',
      UV_THREADPOOL_SIZE: '4',
    });
    return;
  }
  if (scenario === 'upsert') {
    const seeded = await seedAttributes(dataDir, count, false, () => {});
    await underLoad('upsert attribute value', dataDir, (url, pid, token) =>
      measure({ ...upsertLoad({ url, pid, startupMs: 0, stop: async () => {} }, token, seeded.definitionIds.spend ?? '', seeded.userIds), url, pid }),
    );
    return;
  }
  if (scenario === 'filter') {
    const seeded = await seedAttributes(dataDir, count, true, () => {});
    await underLoad('filter users by tier', dataDir, (url, pid, token) =>
      measure(tierEqLoad({ url, pid, startupMs: 0, stop: async () => {} }, token, seeded.definitionIds.tier ?? '')),
    );
    return;
  }
  if (scenario === 'create') {
    await underLoad('create', dataDir, (url, pid, token) => measure(createCustomerLoad(url, pid, token, 'profile', 8)));
    return;
  }
  const seeded = await seedCustomers(dataDir, count);
  console.log(`seeded ${count} customers in ${(seeded.ms / 1000).toFixed(1)} s`);
  if (scenario === 'rebuild') {
    const db = openSqlite(join(dataDir, SQLITE_FILE));
    await inProcess(`rebuild ${count}`, () => rebuildSqliteProjection(db, embeddedLog(db), 'customers'));
    db.close();
  } else if (scenario === 'get') {
    await underLoad('get by id', dataDir, (url, pid, token) => measure(getByIdLoad(url, pid, token, seeded.userIds)));
  } else if (scenario === 'create-session') {
    await underLoad('create session', dataDir, (url, pid, token) => measure(createSessionLoad(url, pid, token, seeded.userIds)));
  } else if (scenario === 'list') {
    await underLoad('list by q', dataDir, (url, pid, token) => measure(listByEmailLoad(url, pid, token, count)));
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
