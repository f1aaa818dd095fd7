/**
 * `npx tsx bench/personalData.ts [customers]`: what crypto-shredding costs. The same workload runs
 * on the embedded log with and without the personal-data codec, alternately, in fresh files, and
 * each figure is reported as a ratio of the two measured in the same run (the machine is shared):
 *
 * - create: the real createCustomer handler (decide, three identifier claims, group commit,
 *   inline projections), 200 commands in flight. With the codec each new customer also gets a
 *   data key (generated, wrapped, written in the same transaction) and 8 sealed fields.
 * - rebuild: the customers read model rebuilt from the log; with the codec every event is opened.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandContext, CommandDeps } from '../src/commands/commandRunner.js';
import { createCustomer } from '../src/commands/customer/handlers.js';
import { openEncryptedLog } from '../src/events/encryptedLog.js';
import type { SyncEventLog } from '../src/events/encryptingEventStore.js';
import type { EventStore } from '../src/events/eventStore.js';
import { SqliteEventStore } from '../src/events/sqliteEventStore.js';
import { rebuildSqliteProjection } from '../src/projections/sqlite/rebuild.js';
import { SqliteReadStore } from '../src/projections/sqlite/sqliteReadStore.js';
import { systemClock } from '../src/shared/clock.js';
import { FieldCipher } from '../src/shared/fieldCipher.js';
import { createRandomIds } from '../src/shared/ids.js';
import { openSqlite } from '../src/shared/sqlite.js';
import { APP, COMPANY, customerEmail, customerPhone } from './service.js';

const COUNT = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = 200;
const ROUNDS = 3;
const cipher = new FieldCipher(randomBytes(32).toString('hex'));
const ids = createRandomIds();
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

type Variant = 'plain' | 'encrypted';

interface Figures {
  createPerSecond: number;
  rebuildPerSecond: number;
  /** CPU time of this process per customer: steadier than wall time when the machine is busy. */
  createCpuUs: number;
  rebuildCpuUs: number;
}

const cpuUs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

async function run(variant: Variant, round: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `user-service-bench-pii-${variant}-`));
  const db = openSqlite(join(dir, 'bench.sqlite'), 'NORMAL');
  try {
    const readStore = new SqliteReadStore(db);
    const store: EventStore & SyncEventLog =
      variant === 'plain' ? new SqliteEventStore(db, readStore.inlineProjector) : openEncryptedLog({ db, cipher, inlineProjector: readStore.inlineProjector });
    const deps: CommandDeps = { store, clock: systemClock, consistency: { waitFor: async () => {} } };
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < COUNT; i = next++) {
        const userId = ids.objectId();
        const phone = customerPhone(9, i);
        const context: CommandContext = {
          name: 'createCustomer',
          commandId: `bench-${userId}`,
          metadata: { company_id: COMPANY, application_id: APP, actor: { type: 'platform_client', id: 'bench' }, correlation_id: `c-${i}` },
        };
        await createCustomer(deps, context, {
          user_id: userId,
          application_id: APP,
          company_id: COMPANY,
          username: `${phone}_${userId.slice(-5)}`,
          first_name: `First${i}`,
          last_name: `Last${i}`,
          gender: 'female',
          meta: { source: 'bench' },
          phone_numbers: [{ phone, country_code: 91, active: true, primary: true, verified: true }],
          emails: [{ email: customerEmail(`r${round}`, i), active: true, primary: true, verified: true }],
          account_type: 'user',
        });
      }
    };
    let started = performance.now();
    let cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const createPerSecond = COUNT / ((performance.now() - started) / 1000);
    const createCpuUs = cpuUs(cpu) / COUNT;
    started = performance.now();
    cpu = process.cpuUsage();
    rebuildSqliteProjection(db, store, 'customers');
    const rebuildPerSecond = COUNT / ((performance.now() - started) / 1000);
    const rebuildCpuUs = cpuUs(cpu) / COUNT;
    return { createPerSecond, rebuildPerSecond, createCpuUs, rebuildCpuUs };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<Variant, Figures[]> = { plain: [], encrypted: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  // Alternating, so that a busy spell of the machine falls on both variants alike.
  for (const variant of round % 2 === 0 ? (['plain', 'encrypted'] as const) : (['encrypted', 'plain'] as const)) {
    const r = await run(variant, round);
    results[variant].push(r);
    console.log(
      `round ${round + 1} ${variant.padEnd(9)} create ${fmt(r.createPerSecond)} customers/s (${fmt(r.createCpuUs)} us CPU each), ` +
        `rebuild ${fmt(r.rebuildPerSecond)} customers/s (${fmt(r.rebuildCpuUs)} us CPU each)`,
    );
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
for (const [name, rate, cost] of [
  ['create ', 'createPerSecond', 'createCpuUs'],
  ['rebuild', 'rebuildPerSecond', 'rebuildCpuUs'],
] as const) {
  const plain = median(results.plain.map((r) => r[rate]));
  const encrypted = median(results.encrypted.map((r) => r[rate]));
  const plainCpu = median(results.plain.map((r) => r[cost]));
  const encryptedCpu = median(results.encrypted.map((r) => r[cost]));
  console.log(
    `${name}: throughput encrypted/plain = ${fmt(encrypted / plain, 2)} (medians ${fmt(encrypted)} vs ${fmt(plain)} customers/s); ` +
      `CPU per customer plain/encrypted = ${fmt(plainCpu / encryptedCpu, 2)} (${fmt(encryptedCpu)} vs ${fmt(plainCpu)} us); ${COUNT} customers, ${ROUNDS} rounds`,
  );
}
