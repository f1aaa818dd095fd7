import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildSqliteProjection } from '../../src/projections/sqlite/rebuild.js';
import { COMPANY, call, startTestService, type TestService } from '../support/testService.js';

const run = promisify(execFile);
let t: TestService;
let token: string;

/** The operator CLI, as an operator runs it, against the test service's data directory. */
async function cli(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' },
    timeout: 30_000,
  });
}

beforeAll(async () => {
  t = await startTestService();
  token = await t.token();
});
afterAll(async () => t.close());

describe('operator CLI', () => {
  it('creates a platform client whose printed credentials obtain a token', async () => {
    const { stdout } = await cli('clients', 'create', '--company', COMPANY);
    const created = JSON.parse(stdout) as { client_id: string; client_secret: string; company_id: string };
    expect(created.company_id).toBe(COMPANY);
    expect(created.client_secret.length).toBeGreaterThanOrEqual(40);
    const raw = t.service.db.prepare('SELECT data FROM events WHERE type = ?').all('PlatformClientRegistered') as Array<{ data: string }>;
    expect(raw.some((r) => r.data.includes(created.client_secret))).toBe(false);
    const newToken = await t.token({ id: created.client_id, secret: created.client_secret });
    expect(newToken.split('.')).toHaveLength(3);
    const wrong = await fetch(`${t.baseUrl}/service/panel/authentication/v1.0/company/${COMPANY}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${created.client_id}:wrong`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(wrong.status).toBe(401);
  });

  it('creates a sales channel the platform API then serves', async () => {
    const { stdout } = await cli('applications', 'create', '--company', COMPANY);
    const created = JSON.parse(stdout) as { application_id: string; application_token: string };
    const base = `${t.baseUrl}/service/platform/user/v1.0/company/${COMPANY}/application/${created.application_id}`;
    expect((await call('GET', `${base}/customers/list`, token)).status).toBe(200);
  });

  it('prints a customer’s history with actors and reasons', async () => {
    const user = (await call('POST', `${t.platformBase}/customers`, token, { phone_number: '9111111111' })).body.user as { _id: string };
    await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [user._id], reason: 'suspicious orders', reason_id: 'R9' });
    await call('PUT', `${t.platformBase}/customers/archive`, token, { user_id: user._id, reason: 'closed' });
    const { stdout } = await cli('audit', 'user', user._id, '--json');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['UserCreated', 'UserBlocked', 'UserArchived']);
    expect(lines[1]).toMatchObject({ reason: 'suspicious orders', reason_id: 'R9', actor: 'platform_client:client-559' });
    const failing = cli('audit', 'user', 'ffffffffffffffffffffffff');
    await expect(failing).rejects.toMatchObject({ code: 1 });
  });

  it('erases a customer, with the reason required and kept in the log', async () => {
    const user = (await call('POST', `${t.platformBase}/customers`, token, { phone_number: '9111111199', email: 'cli.erase.me@example.com', first_name: 'Cliff' }))
      .body.user as { _id: string };
    await expect(cli('users', 'erase', user._id)).rejects.toMatchObject({ code: 1 });
    const { stdout } = await cli('users', 'erase', user._id, '--reason', 'asked by phone', '--reason-id', 'T-7');
    expect(stdout).toContain(`erased ${user._id}`);
    const got = (await call('GET', `${t.platformBase}/customers/${user._id}`, token)).body.user as Record<string, unknown>;
    expect(got).toMatchObject({ username: '[erased]', emails: [], archive: true });
    const raw = t.service.db.prepare('SELECT type, data, metadata FROM events WHERE stream = ?').all(`user-${user._id}`) as Array<{ type: string; data: string; metadata: string }>;
    expect(raw.map((r) => r.type)).toEqual(['UserCreated', 'UserErased']);
    expect(JSON.parse(raw[1]!.data)).toEqual({ reason: 'asked by phone', reason_id: 'T-7' });
    expect(JSON.parse(raw[1]!.metadata)).toMatchObject({ actor: { type: 'system', id: 'cli' } });
    expect(raw.some((r) => r.data.includes('cli.erase.me') || r.data.includes('Cliff'))).toBe(false);
    const reused = await call('POST', `${t.platformBase}/customers`, token, { phone_number: '9111111199', email: 'cli.erase.me@example.com' });
    expect(reused.status).toBe(200);
  });

  it('rebuilding a read model from zero gives the same read model', async () => {
    for (let i = 0; i < 30; i += 1) {
      const res = await call('POST', `${t.platformBase}/customers`, token, { phone_number: `92000000${String(i).padStart(2, '0')}`, email: `r${i}@example.com` });
      const id = (res.body.user as { _id: string })._id;
      if (i % 3 === 0) await call('PUT', `${t.platformBase}/customers/${id}`, token, { first_name: `N${i}`, emails: [{ email: `r${i}.new@example.com` }] });
      if (i % 4 === 0) await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [id], reason: 'x' });
      if (i % 5 === 0) await call('PUT', `${t.platformBase}/customers/archive`, token, { user_id: id });
    }
    const snapshot = () => ({
      customers: t.service.db.prepare('SELECT * FROM customers ORDER BY application_id, user_id').all(),
      identifiers: t.service.db.prepare('SELECT * FROM customers_identifiers ORDER BY application_id, kind, value, user_id').all(),
    });
    // Index names carry a random tag; what must survive a rebuild is which columns are indexed.
    const indexes = () =>
      t.service.db
        .prepare<[], { tbl_name: string; sql: string }>("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'customers%' AND sql IS NOT NULL")
        .all()
        .map((i) => `${i.tbl_name}: ${i.sql.replace(/^CREATE INDEX \S+ ON \S+ /, '')}`)
        .sort();
    const before = snapshot();
    const indexesBefore = indexes();
    expect(indexesBefore.length).toBeGreaterThanOrEqual(3);
    expect(before.customers.length).toBeGreaterThan(30);
    // Damage the live read model: the rebuild must repair it from the log alone.
    t.service.db.prepare("UPDATE customers SET first_name = 'damaged', doc = '{}' WHERE user_id = (SELECT MIN(user_id) FROM customers)").run();
    t.service.db.prepare('DELETE FROM customers_identifiers WHERE user_id = (SELECT MAX(user_id) FROM customers)').run();
    const store = t.service.eventStore;
    const { events } = rebuildSqliteProjection(t.service.db, store, 'customers');
    expect(events).toBeGreaterThan(50);
    expect(snapshot()).toEqual(before);
    expect(indexes()).toEqual(indexesBefore);
    // The service keeps serving from the swapped-in tables.
    expect((await call('GET', `${t.platformBase}/customers/list?q=r1@example.com`, token)).body.items).toHaveLength(1);
  });
});
