import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { EventStoreDBClient } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, COMPANY, call, startTestService, type TestService } from '../support/testService.js';

const run = promisify(execFile);
let t: TestService;

/** The operator CLI against the test service's data directory, on the embedded stores. */
async function cli(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', REDIS_URL: '', EVENTSTORE_URL: '', MONGODB_URL: '', ...env },
    timeout: 30_000,
  });
}
async function cliFails(args: string[], env: Record<string, string> = {}): Promise<string> {
  const error = await cli(args, env).then(
    () => undefined,
    (e: unknown) => e as { code: number; stderr: string },
  );
  expect(error, `expected "${args.join(' ')}" to fail`).toBeDefined();
  expect(error!.code).not.toBe(0);
  return error!.stderr;
}

const scope = ['--company', COMPANY, '--application', APP];

beforeAll(async () => {
  t = await startTestService({ TOKEN_TTL_SECONDS: '86400' }, { jobTuning: { pollMs: 5 } });
});
afterAll(async () => t.close());

describe('webhooks from the CLI', () => {
  it('creates, lists and deletes a webhook, which the running service then sees', async () => {
    const created = JSON.parse((await cli(['webhooks', 'create', ...scope, '--url', 'https://ops.example.com/hook', '--types', 'UserCreated,UserBlocked'])).stdout) as {
      webhook: { id: string; event_types: string[] };
      secret: string;
    };
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.webhook.event_types).toEqual(['UserCreated', 'UserBlocked']);
    const listed = await call('GET', `${t.platformBase}/webhooks`, await t.token());
    expect((listed.body.items as Array<{ id: string }>).map((w) => w.id)).toEqual([created.webhook.id]);
    const json = (await cli(['webhooks', 'list', ...scope, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(json.map((w) => w.id)).toEqual([created.webhook.id]);
    expect((await cli(['webhooks', 'delete', created.webhook.id, ...scope, '--reason', 'decommissioned'])).stdout).toContain('deleted');
    expect((await cli(['webhooks', 'list', ...scope])).stdout.trim()).toBe('');
  });

  it('refuses bad arguments naming the option, and an unknown delivery', async () => {
    const [url, types, application, replay] = await Promise.all([
      cliFails(['webhooks', 'create', ...scope, '--url', 'ftp://x', '--types', 'UserCreated']),
      cliFails(['webhooks', 'create', ...scope, '--url', 'https://x.example.com', '--types', 'UserPasswordSet']),
      cliFails(['webhooks', 'list', '--company', COMPANY, '--application', 'nope']),
      cliFails(['webhooks', 'replay', 'webhook-000000000000000000000000-1', ...scope]),
    ]);
    expect(url).toContain('--url');
    expect(types).toContain('--types');
    expect(application).toContain('--application');
    expect(replay).toContain('not found');
    expect((await cli(['webhooks', 'dead-letters', ...scope])).stdout.trim()).toBe('');
  });
});

describe('EventStoreDB subscription groups from the CLI: arguments', () => {
  it('prints the group it would create for each documented filter', async () => {
    const plan = async (...args: string[]) => JSON.parse((await cli(['subscriptions', 'create', 'crm', ...args, '--dry-run'])).stdout) as Record<string, unknown>;
    const published = await plan();
    expect(published).toMatchObject({ group: 'crm', target: { all: { on: 'eventType' } }, settings: { startFrom: 'end', consumerStrategyName: 'RoundRobin', maxRetryCount: 10 } });
    const regex = new RegExp((published as { target: { all: { regex: string } } }).target.all.regex);
    expect(regex.test('UserBlocked')).toBe(true);
    expect(regex.test('UserPasswordSet')).toBe(false);
    expect(regex.test('UserBlockedX')).toBe(false);
    expect(await plan('--filter', 'category:user', '--from', 'start', '--strategy', 'pinned', '--max-retries', '3', '--message-timeout', '5000')).toEqual({
      group: 'crm',
      target: { stream: '$ce-user' },
      settings: { startFrom: 'start', consumerStrategyName: 'Pinned', maxRetryCount: 3, messageTimeout: 5000, resolveLinkTos: true },
    });
    expect(await plan('--filter', 'stream-prefix:user-,session-')).toMatchObject({ target: { all: { on: 'streamName', prefixes: ['user-', 'session-'] } } });
    expect(await plan('--filter', 'all')).toMatchObject({ target: { all: { on: 'eventType', regex: '^[^\\$].*' } } });
  });

  it('refuses a bad group, filter, start or strategy, naming it, and says when EventStoreDB is not configured', async () => {
    const create = (...args: string[]) => cliFails(['subscriptions', 'create', ...args]);
    const [group, type, category, unknown, from, strategy, retries, parkedGroup, parkedCategory, parkedNoServer] = await Promise.all([
      create('bad group'),
      create('crm', '--filter', 'type:UserPasswordSet'),
      create('crm', '--filter', 'category:'),
      create('crm', '--filter', 'everything'),
      create('crm', '--from', 'yesterday'),
      create('crm', '--strategy', 'random'),
      create('crm', '--max-retries', '-1'),
      cliFails(['subscriptions', 'replay-parked', '-x']),
      cliFails(['subscriptions', 'replay-parked', 'crm', '--category', 'user-']),
      cliFails(['subscriptions', 'replay-parked', 'crm']),
    ]);
    expect(parkedGroup).toBeTruthy();
    expect(parkedCategory).toContain('--category');
    expect(parkedNoServer).toContain('EVENTSTORE_URL is not set');
    expect(group).toContain('<group>');
    expect(type).toMatch(/--filter.*not published: UserPasswordSet/);
    expect(category).toContain('--filter');
    expect(unknown).toContain('--filter');
    expect(from).toContain('--from');
    expect(strategy).toContain('--strategy');
    expect(retries).toContain('--max-retries');
    expect(await create('crm')).toContain('EVENTSTORE_URL is not set');
    // Eleven CLI processes, ten of them at once, each starting node and tsx: on a busy 2-core
    // machine that alone took over the default 30 s.
  }, 120_000);
});

const EVENTSTORE_URL = process.env.EVENTSTORE_URL?.trim() || undefined;
if (EVENTSTORE_URL === undefined) console.warn('SKIPPED: EventStoreDB subscription groups against a server (EVENTSTORE_URL is not set; set it to run)');
describe.skipIf(EVENTSTORE_URL === undefined)('EventStoreDB subscription groups from the CLI: on a server', () => {
  it('creates a $all group filtered to published events, and a category group', async () => {
    const client = EventStoreDBClient.connectionString(EVENTSTORE_URL!);
    const suffix = randomBytes(4).toString('hex');
    try {
      await cli(['subscriptions', 'create', `published-${suffix}`], { EVENTSTORE_URL: EVENTSTORE_URL! });
      const all = await client.getPersistentSubscriptionToAllInfo(`published-${suffix}`);
      expect(all.groupName).toBe(`published-${suffix}`);
      await cli(['subscriptions', 'create', `users-${suffix}`, '--filter', 'category:user', '--max-retries', '3'], { EVENTSTORE_URL: EVENTSTORE_URL! });
      const category = await client.getPersistentSubscriptionToStreamInfo('$ce-user', `users-${suffix}`);
      expect(category.settings.maxRetryCount).toBe(3);
      await cli(['subscriptions', 'replay-parked', `users-${suffix}`, '--category', 'user'], { EVENTSTORE_URL: EVENTSTORE_URL! });
      // A second create of the same group is refused by the server, not silently changed.
      expect(await cliFails(['subscriptions', 'create', `published-${suffix}`], { EVENTSTORE_URL: EVENTSTORE_URL! })).toBeTruthy();
    } finally {
      await client.deletePersistentSubscriptionToAll(`published-${suffix}`).catch(() => {});
      await client.deletePersistentSubscriptionToStream('$ce-user', `users-${suffix}`).catch(() => {});
      await client.dispose();
    }
  });
});
