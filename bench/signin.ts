/**
 * Storefront sign-in benchmarks, as ratios to floors measured in the same run:
 * - password login (POST .../login/password) against the floor of one argon2id hash per core
 *   (the work a login cannot avoid), target >= 0.9;
 * - getLoggedInUser (GET .../session with the cookie) against the HTTP floor (express 5
 *   answering constant JSON), target >= 0.7.
 * `measureSignin()` is the scenario bench/run.ts can call; `npx tsx bench/signin.ts` runs it alone.
 */
import argon2 from 'argon2';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ARGON2_OPTIONS } from '../src/shared/secrets.js';
import { LOAD, measure, measureWindow, warmUp, type LoadResult, type LoadSpec } from './load.js';
import { pairedWindows } from './report.js';
import { spawnNode } from './processes.js';
import { APP, COMPANY, PLATFORM_PATH, platformToken, startService } from './service.js';

export const APP_TOKEN = 'bench-app-token';
export const STOREFRONT = '/service/application/user';
const USERS = Number(process.env.BENCH_SIGNIN_USERS ?? 40);
export const AUTH = `Bearer ${Buffer.from(`${APP}:${APP_TOKEN}`).toString('base64')}`;

export interface SigninRow {
  name: string;
  target: string;
  measured: string;
  ratio: number;
  pass?: boolean;
}

/** Hashes before the floor is measured, as the HTTP loads get their warm-up. */
async function argon2WarmUp(): Promise<void> {
  const warmup = performance.now() + 500;
  while (performance.now() < warmup) await argon2.hash('floor warm-up', ARGON2_OPTIONS);
}

/**
 * One window of the floor: argon2id with one hash in flight per core, what no password login can
 * beat. Shaped as a load result (a hash is a request; the CPU is this process's).
 */
async function argon2Window(seconds: number): Promise<LoadResult> {
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: cpus().length }, async (_, i) => {
      while (performance.now() < end) {
        await argon2.hash(`floor password ${i}`, ARGON2_OPTIONS);
        done += 1;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const elapsed = (performance.now() - started) / 1000;
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    rps: done / elapsed,
    p50Ms: 0,
    p99Ms: 0,
    requests: done,
    non2xx: 0,
    errors: 0,
    cpuUsPerRequest: (cpuSeconds * 1e6) / Math.max(1, done),
    ok: done,
    seconds: elapsed,
    cpuSeconds,
  };
}

async function httpFloor(): Promise<LoadResult> {
  const child = await spawnNode('bench/floor.ts', {}, '/floor');
  try {
    return await measure({ url: child.url, pid: child.pid, next: () => ({ path: '/floor' }) });
  } finally {
    await child.stop();
  }
}

export async function storefrontCall(url: string, path: string, body?: unknown, cookie?: string): Promise<{ status: number; json: unknown; cookie?: string }> {
  const headers: Record<string, string> = { authorization: AUTH };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie !== undefined) headers.cookie = cookie;
  const res = await fetch(`${url}${STOREFRONT}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const set = res.headers.getSetCookie().find((c) => c.startsWith('f.session='));
  return { status: res.status, json: (await res.json()) as unknown, ...(set === undefined ? {} : { cookie: set.split(';')[0] }) };
}

export const credentials = (i: number) => ({ username: `signin${i}@bench.example.com`, password: `bench passphrase number ${i}` });

/** Accounts registered through the storefront (the mobile made a soft field, so no OTP round trip). */
export async function seedShoppers(url: string): Promise<void> {
  const token = await platformToken(url);
  const res = await fetch(`${url}${PLATFORM_PATH}/platform/config`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ register_required_fields: { mobile: { is_required: false, level: 'soft' }, email: { is_required: true, level: 'soft' } } }),
  });
  if (res.status !== 200) throw new Error(`config: ${res.status} ${await res.text()}`);
  await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const { username, password } = credentials(i);
      const reply = await storefrontCall(url, '/authentication/v1.0/register/form', { email: username, password, first_name: `Bench${i}` });
      if (reply.status !== 200) throw new Error(`register ${i}: ${reply.status} ${JSON.stringify(reply.json)}`);
    }),
  );
}

export async function measureSignin(log: (message: string) => void = console.log): Promise<SigninRow[]> {
  const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const figure = (r: LoadResult) =>
    `${fmt(r.rps, r.rps < 100 ? 1 : 0)} req/s, p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms, ${fmt(r.cpuUsPerRequest)} µs CPU/req`;
  const clean = (name: string, r: LoadResult) => {
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors under load`);
  };
  const rows: SigninRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'user-service-bench-signin-'));
  try {
    log('signin 1/2 floor: express 5, constant JSON');
    const floor = await httpFloor();
    clean('floor', floor);
    rows.push({ name: 'Floor: express 5, constant JSON', target: '-', measured: figure(floor), ratio: 1 });

    const service = await startService(dir, {
      BOOTSTRAP_APPLICATIONS: `${COMPANY}:${APP}:${APP_TOKEN}`,
      // One client address and a few accounts drive the whole load: the limits would measure themselves.
      SIGNIN_RATE_LIMIT_PER_IP: '1000000',
      SIGNIN_RATE_LIMIT_PER_ACCOUNT: '1000000',
      UV_THREADPOOL_SIZE: String(Math.max(4, cpus().length)),
    });
    try {
      log(
        `signin 2/2 password login (${USERS} accounts, ${LOAD.connections} connections) against argon2id (m=19 MiB, t=2, p=1) ` +
          `with one hash in flight per core (${cpus().length}), in alternating windows`,
      );
      await seedShoppers(service.url);
      let i = 0;
      const spec: LoadSpec = {
        url: service.url,
        pid: service.pid,
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        next: () => {
          i += 1;
          return { path: `${STOREFRONT}/authentication/v1.0/login/password`, body: JSON.stringify(credentials(i % USERS)) };
        },
      };
      // The floor's hashes run in this process while the server idles between windows, and the
      // login windows run while this process only drives the load.
      const pair = await pairedWindows(
        'password login',
        { warmUp: argon2WarmUp, window: () => argon2Window(LOAD.roundSeconds) },
        { warmUp: () => warmUp(spec), window: () => measureWindow(spec, LOAD.roundSeconds) },
      );
      const rounds = pair.rounds.map((r) => fmt(r, 2)).join(' / ');
      rows.unshift({
        name: 'Floor: argon2id hashes/s, one per core',
        target: '-',
        measured: `${fmt(pair.floor.rps, 1)} hashes/s over ${LOAD.rounds} windows, ${fmt(pair.floor.cpuUsPerRequest)} µs CPU/hash`,
        ratio: 1,
      });
      rows.push({
        name: 'Password login (POST .../login/password)',
        target: '>= 0.9 x argon2 floor',
        measured: `${figure(pair.result)} (rounds ${rounds}; ${fmt(pair.floor.cpuUsPerRequest / pair.result.cpuUsPerRequest, 2)} x the CPU-time floor)`,
        ratio: pair.ratio,
        pass: pair.ratio >= 0.9,
      });
    } finally {
      await service.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  measureSignin()
    .then((rows) => {
      console.log('');
      for (const r of rows) {
        const result = r.pass === undefined ? '' : r.pass ? '  PASS' : '  FAIL';
        console.log(`${r.name.padEnd(44)} ${r.target.padEnd(22)} ${r.measured.padEnd(44)} ratio ${r.ratio.toFixed(2)}${result}`);
      }
      if (rows.some((r) => r.pass === false)) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
