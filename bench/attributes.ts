/**
 * Customer-attribute benchmarks, as ratios to a floor measured in the same run:
 *  - upsert one value (PUT …/definition/{id}/user/{user_id}), target >= 0.35 x floor;
 *  - filter users by one attribute condition (POST …/user_attribute/users) with 100,000 users
 *    holding 10 attributes each, target p99 < 20 ms.
 * `attributeBenchmarks(...)` is the section bench/run.ts runs (`npm run bench -- attributes`).
 */
import { createLogger } from '../src/api/observability.js';
import { createAttributeDefinition } from '../src/commands/attributeDefinition/handlers.js';
import type { AttributeType } from '../src/commands/attributeDefinition/attributeTypes.js';
import type { CommandContext } from '../src/commands/commandRunner.js';
import { setUserAttributes } from '../src/commands/userAttribute/handlers.js';
import { createService } from '../src/main.js';
import { createRandomIds } from '../src/shared/ids.js';
import type { LoadSpec } from './load.js';
import { atFixedRate, fmt, httpFigure as figure, paired, rateFigure, ratios, type BenchRow } from './report.js';
import { type Child } from './processes.js';
import { seedCustomers } from './seed.js';
import { APP, CLIENT, COMPANY, expectOk, platformToken, PLATFORM_PATH, serviceConfig, startService } from './service.js';

export type AttributeBenchRow = BenchRow;

export interface AttributeBenchOptions {
  /** The floor server of the run (express 5 answering constant JSON), measured right before each load. */
  floorServer: Child;
  /** A fresh directory for a data set; the caller removes it afterwards. */
  freshDir: (tag: string) => string;
  log: (message: string) => void;
  /** Users of the filter data set (default 100,000, or BENCH_ATTRIBUTE_USERS). */
  users?: number;
  /** Users the upsert load picks from (default 10,000). */
  upsertUsers?: number;
}

/** The values of `tier`, each held by a fifth of the users. */
const TIERS = ['gold', 'silver', 'bronze', 'platinum', 'basic'];

const ATTRIBUTES: Array<{ slug: string; type: AttributeType; value: (i: number) => unknown }> = [
  { slug: 'tier', type: 'string', value: (i) => TIERS[i % TIERS.length] },
  { slug: 'spend', type: 'number', value: (i) => (i * 7919) % 10_000 },
  { slug: 'vip', type: 'boolean', value: (i) => i % 7 === 0 },
  { slug: 'joined', type: 'date', value: (i) => new Date(Date.UTC(2020, 0, 1) + (i % 1500) * 86_400_000).toISOString().slice(0, 10) },
  { slug: 'city', type: 'string', value: (i) => `city-${i % 50}` },
  { slug: 'visits', type: 'number', value: (i) => i % 100 },
  { slug: 'work_email', type: 'email', value: (i) => `u${i}@work.bench.example.com` },
  { slug: 'segment', type: 'string', value: (i) => `segment-${i % 20}` },
  { slug: 'score', type: 'number', value: (i) => (i % 1000) / 10 },
  { slug: 'last_seen', type: 'datetime', value: (i) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() },
];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

const context = (name: string, n: number): CommandContext => ({
  name,
  commandId: `bench-${name}-${n}-${Math.random().toString(36).slice(2)}`,
  metadata: { company_id: COMPANY, application_id: APP, actor: { type: 'platform_client', id: CLIENT.id }, correlation_id: `bench-${name}-${n}` },
});

/**
 * Seeds customers, then defines the attributes and sets each customer's values through the real
 * command handlers (one bulk command per customer, `concurrency` in flight), in this process.
 */
export async function seedAttributes(dataDir: string, users: number, withValues: boolean, log: (m: string) => void) {
  const seeded = await seedCustomers(dataDir, users, 500, (done) => log(`  customers: ${fmt(done)}`));
  const service = await createService(serviceConfig(dataDir), { logger: createLogger('silent') });
  const ids = createRandomIds();
  try {
    const definitionIds: Record<string, string> = {};
    for (const [n, attribute] of ATTRIBUTES.entries()) {
      const id = ids.objectId();
      await createAttributeDefinition(service.commands, context('createAttributeDefinition', n), {
        definition_id: id,
        company_id: COMPANY,
        definition: {
          name: attribute.slug,
          slug: attribute.slug,
          description: '',
          type: attribute.type,
          is_multi_value: false,
          customer_editable: false,
          encrypted: false,
          pinned: false,
          is_locked: false,
          ordering_channels: [],
        },
      });
      definitionIds[attribute.slug] = id;
    }
    if (withValues) {
      const started = performance.now();
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < users; i = next++) {
          const inputs = ATTRIBUTES.map((a) => ({
            definition_id: definitionIds[a.slug] ?? '',
            value: a.value(i),
            field: `attributes.${a.slug}`,
            attribute_id: ids.objectId(),
          }));
          await setUserAttributes(service.commands, context('setUserAttributes', i), seeded.userIds[i] ?? '', inputs, service.cipher);
          if ((i + 1) % 10_000 === 0) log(`  users with ${ATTRIBUTES.length} attributes: ${fmt(i + 1)}`);
        }
      };
      await Promise.all(Array.from({ length: 200 }, worker));
      const seconds = (performance.now() - started) / 1000;
      log(`  ${fmt(users * ATTRIBUTES.length)} values in ${fmt(seconds, 1)} s (${fmt((users * ATTRIBUTES.length) / seconds)} values/s)`);
    }
    return { userIds: seeded.userIds, definitionIds };
  } finally {
    await service.close();
  }
}

export function upsertLoad(server: Child, token: string, definitionId: string, userIds: string[]): LoadSpec {
  let n = 0;
  return {
    url: server.url,
    pid: server.pid,
    // LoadSpec (bench/load.ts) names GET and POST only; autocannon sends any method as given.
    method: 'PUT' as 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    next: () => {
      n += 1;
      return {
        path: `${PLATFORM_PATH}/user_attribute/definition/${definitionId}/user/${pick(userIds)}`,
        body: JSON.stringify({ attribute: { value: n } }),
      };
    },
  };
}

export function filterLoad(server: Child, token: string, definitionId: string, condition: () => { type: string; value: unknown }): LoadSpec {
  return {
    url: server.url,
    pid: server.pid,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    next: () => ({
      path: `${PLATFORM_PATH}/user_attribute/users`,
      body: JSON.stringify({
        query: { type: 'and', page: 1 + Math.floor(Math.random() * 100), limit: 10, conditions: [{ definition_id: definitionId, ...condition() }] },
      }),
    }),
  };
}

/** The judged filter: `tier eq` one of its five values (a fifth of the users match), a random page. */
export const tierEqLoad = (server: Child, token: string, tierDefinitionId: string): LoadSpec =>
  filterLoad(server, token, tierDefinitionId, () => ({ type: 'eq', value: pick(TIERS) }));

export async function attributeBenchmarks(options: AttributeBenchOptions): Promise<AttributeBenchRow[]> {
  const { floorServer, freshDir, log } = options;
  const users = options.users ?? Number(process.env.BENCH_ATTRIBUTE_USERS ?? 100_000);
  const upsertUsers = options.upsertUsers ?? 10_000;
  const rows: AttributeBenchRow[] = [];

  log(`attributes 1/2: upsert one value (${fmt(upsertUsers)} customers, a number attribute)`);
  const upsertDir = freshDir('attribute-upsert');
  const upsertSeed = await seedAttributes(upsertDir, upsertUsers, false, log);
  let server = await startService(upsertDir);
  try {
    const token = await platformToken(server.url);
    const spec = upsertLoad(server, token, upsertSeed.definitionIds.spend ?? '', upsertSeed.userIds);
    const first = spec.next();
    await expectOk(`${server.url}${first.path}`, token, { method: 'PUT', body: first.body ?? '' });
    const upsert = await paired(floorServer, 'upsert attribute value', spec, log);
    rows.push({
      name: 'Upsert attribute value (PUT …/definition/{id}/user/{user_id})',
      target: '>= 0.35 x floor',
      measured: figure(upsert),
      ratio: ratios(upsert),
      pass: upsert.ratio >= 0.35,
    });
  } finally {
    await server.stop();
  }

  log(`attributes 2/2: filter users, ${fmt(users)} customers with ${ATTRIBUTES.length} attributes each`);
  const filterDir = freshDir('attribute-filter');
  const seeded = await seedAttributes(filterDir, users, true, log);
  server = await startService(filterDir);
  try {
    const token = await platformToken(server.url);
    const tier = seeded.definitionIds.tier ?? '';
    const spend = seeded.definitionIds.spend ?? '';
    const probe = (await expectOk(`${server.url}${PLATFORM_PATH}/user_attribute/users`, token, {
      method: 'POST',
      body: JSON.stringify({ query: { type: 'and', page: 1, limit: 10, conditions: [{ definition_id: tier, type: 'eq', value: 'gold' }] } }),
    })) as { items: unknown[]; page: { item_total: number } };
    if (probe.items.length !== 10 || probe.page.item_total !== users / 5) {
      throw new Error(`filter probe found ${probe.items.length} items of ${probe.page.item_total}, expected 10 of ${users / 5}`);
    }
    const byText = await paired(floorServer, 'filter users by tier', tierEqLoad(server, token, tier), log);
    rows.push({
      name: `Filter users: tier eq <one of 5> (20% match), ${fmt(users)} users x ${ATTRIBUTES.length} attributes, random page of 10`,
      target: 'p99 < 20 ms',
      measured: figure(byText),
      ratio: ratios(byText),
      pass: byText.result.p99Ms < 20,
    });
    const steady = await atFixedRate(floorServer, 'filter users by tier', tierEqLoad(server, token, tier), 300, log);
    rows.push({
      name: `Filter users: tier eq <one of 5>, same data, at a fixed rate`,
      // Reported, not judged: paced by autocannon's timers, even the floor's p99 at this rate is 7-12 ms here.
      target: 'reported',
      measured: rateFigure(steady),
      ratio: '-',
    });
    const rangeLoad = filterLoad(server, token, spend, () => ({ type: 'gt', value: Math.floor(Math.random() * 10_000) }));
    const byRange = await paired(floorServer, 'filter users by spend', rangeLoad, log);
    rows.push({
      name: 'Filter users: spend gt <random> (0-100% match), same data',
      target: 'reported',
      measured: figure(byRange),
      ratio: ratios(byRange),
    });
  } finally {
    await server.stop();
  }
  return rows;
}
