/**
 * Session benchmarks, as ratios to the HTTP floor measured just before each:
 * - create session (POST {P}/customers/session, the platform call), target >= 0.5 x floor;
 * - session validation: the check a storefront makes on every shopper request, which is
 *   getLoggedInUser (GET .../session with the cookie); targets >= 0.8 x floor (sessions issue)
 *   and >= 0.7 x floor (sign-in issue), reported on one row.
 */
import type { Child } from './processes.js';
import { seedCustomers } from './seed.js';
import { createSessionLoad, sessionBody } from './scenarios.js';
import { expectOk, platformToken, PLATFORM_PATH, startService } from './service.js';
import { AUTH, credentials, seedShoppers, STOREFRONT, storefrontCall } from './signin.js';
import { atFixedRate, httpFigure, paired, rateFigure, ratios, type BenchRow } from './report.js';

const USERS = 10_000;

export async function sessionBenchmarks(options: { floorServer: Child; freshDir: (tag: string) => string; log: (m: string) => void }): Promise<BenchRow[]> {
  const { floorServer, freshDir, log } = options;
  const rows: BenchRow[] = [];
  const dir = freshDir('sessions');
  log(`sessions 1/2: seeding ${USERS.toLocaleString('en-US')} customers`);
  const seeded = await seedCustomers(dir, USERS);
  const server = await startService(dir);
  try {
    const token = await platformToken(server.url);
    await expectOk(`${server.url}${PLATFORM_PATH}/customers/session`, token, { method: 'POST', body: sessionBody(seeded.userIds, 0) });
    const create = await paired(floorServer, 'create session', createSessionLoad(server.url, server.pid, token, seeded.userIds), log);
    rows.push({
      name: 'Create session (POST {P}/customers/session), 10,000 customers',
      target: '>= 0.5 x floor',
      measured: httpFigure(create),
      ratio: ratios(create),
      pass: create.ratio >= 0.5,
    });

    log('sessions 2/2: session validation (getLoggedInUser with the session cookie)');
    await seedShoppers(server.url);
    const signedIn = await storefrontCall(server.url, '/authentication/v1.0/login/password', credentials(0));
    if (signedIn.cookie === undefined) throw new Error(`login for the session benchmark failed: ${signedIn.status}`);
    const cookie = signedIn.cookie;
    const validate = await paired(
      floorServer,
      'session validation',
      { url: server.url, pid: server.pid, headers: { authorization: AUTH, cookie }, next: () => ({ path: `${STOREFRONT}/authentication/v1.0/session` }) },
      log,
    );
    const steady = await atFixedRate(
      floorServer,
      'session validation',
      { url: server.url, pid: server.pid, headers: { authorization: AUTH, cookie }, next: () => ({ path: `${STOREFRONT}/authentication/v1.0/session` }) },
      1_000,
      log,
    );
    rows.push({ name: 'Session validation at a fixed rate', target: 'reported', measured: rateFigure(steady), ratio: '-' });
    rows.push({
      name: 'Session validation = getLoggedInUser (GET .../authentication/v1.0/session)',
      target: '>= 0.8 x floor (0.7 for getLoggedInUser)',
      measured: httpFigure(validate),
      ratio: ratios(validate),
      pass: validate.ratio >= 0.8,
    });
  } finally {
    await server.stop();
  }
  return rows;
}
