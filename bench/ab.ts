/**
 * Same-time A/B of two versions of the service (not part of `npm run bench`):
 *
 *   git worktree add --detach /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsx bench/ab.ts upsert 8 /tmp/before          8 rounds; also: create-session
 *
 * One data directory is seeded, copied twice, and served at once by the checkout given ("before")
 * and by this one ("after"). Each round measures one 4 s window of each, in alternating order, so
 * that the machine's drift, which on these shared machines is larger than most changes, falls on
 * both sides alike. It prints every round and the median CPU per request of each side, with the
 * number of rounds the change won: a claim of a few per cent needs most rounds, not the median.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureWindow, median, warmUp, type LoadSpec } from './load.js';
import { ROOT, type Child } from './processes.js';
import { platformToken, startService } from './service.js';
import { seedWriteScenario, writeScenarioOf } from './writeScenarios.js';

const [scenarioArg = 'upsert', roundsArg = '8', beforeArg = '/tmp/before'] = process.argv.slice(2);
const scenario = writeScenarioOf(scenarioArg);
const rounds = Number(roundsArg);
const WINDOW_SECONDS = 4;

interface Side {
  name: 'before' | 'after';
  server: Child;
  spec: LoadSpec;
  cpu: number[];
  rps: number[];
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'user-service-ab-'));
  const sides: Side[] = [];
  try {
    const seedDir = join(work, 'seed');
    const { load } = await seedWriteScenario(scenario, seedDir);
    for (const [name, checkout] of [['before', resolve(beforeArg)], ['after', ROOT]] as const) {
      const dataDir = join(work, name);
      cpSync(seedDir, dataDir, { recursive: true });
      const server = await startService(dataDir, {}, [], checkout);
      sides.push({ name, server, spec: load(server, await platformToken(server.url)), cpu: [], rps: [] });
    }
    for (const side of sides) await warmUp(side.spec);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      const line: string[] = [];
      for (const side of order) {
        const r = await measureWindow(side.spec, WINDOW_SECONDS);
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${side.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        side.cpu.push(r.cpuUsPerRequest);
        side.rps.push(r.rps);
        line.push(`${side.name} ${r.rps.toFixed(0)} req/s ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req`);
      }
      console.log(`round ${round + 1}: ${line.join(' | ')}`);
    }
    const [before, after] = sides as [Side, Side];
    const wins = after.cpu.filter((cpu, i) => cpu < (before.cpu[i] ?? Infinity)).length;
    const change = (median(after.cpu) / median(before.cpu) - 1) * 100;
    console.log(
      `${scenario}: median CPU per request ${median(before.cpu).toFixed(0)} -> ${median(after.cpu).toFixed(0)} µs ` +
        `(${change >= 0 ? '+' : ''}${change.toFixed(1)} %), after cheaper in ${wins} of ${rounds} rounds; ` +
        `median req/s ${median(before.rps).toFixed(0)} -> ${median(after.rps).toFixed(0)}`,
    );
  } finally {
    await Promise.all(sides.map((side) => side.server.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
