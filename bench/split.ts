/**
 * Where a write's CPU goes, command or HTTP (not part of `npm run bench`):
 *
 *   npx tsx bench/split.ts upsert 3            also: create-session
 *
 * Each round measures, one after the other: the floor server (express answering constant JSON),
 * the service under the benchmark's HTTP load, and the same command called in this process on a
 * copy of the same data, 10 at a time as the HTTP load sends them, with no HTTP at all. All three
 * are CPU per request of the whole process (worker threads included), so the command's share of
 * a request, and what is left for everything around it (parsing, authentication, routing, the
 * response, the socket), can be read against the same floor the targets are set against.
 *
 * One caveat on a machine of two cores: under HTTP load the load generator (autocannon, in this
 * process) competes with the server for the CPU and slows it, which the in-process runs do not
 * suffer. "Around it" therefore carries that slowdown too, more of it for a longer request; read
 * it as an upper bound, and the command's own figure as the lower bound of what a request costs.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/api/observability.js';
import { defaultPlatformConfig } from '../src/commands/platformConfig/defaults.js';
import { sessionDurationMs } from '../src/commands/platformConfig/configSchema.js';
import { startSession } from '../src/commands/session/sessions.js';
import { setUserAttributes } from '../src/commands/userAttribute/handlers.js';
import { createService, type Service } from '../src/main.js';
import { createRandomIds } from '../src/shared/ids.js';
import { LOAD, measureWindow, median, warmUp, type LoadSpec } from './load.js';
import { spawnNode } from './processes.js';
import { APP, CLIENT, COMPANY, platformToken, serviceConfig, startService } from './service.js';
import { seedWriteScenario, writeScenarioOf, type SeededWrites } from './writeScenarios.js';

const [scenarioArg = 'upsert', roundsArg = '3'] = process.argv.slice(2);
const scenario = writeScenarioOf(scenarioArg);
const rounds = Number(roundsArg);
const WINDOW_SECONDS = 4;
const COMMANDS_PER_ROUND = 10_000;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** One request's work without HTTP: what the route does between parsing the body and writing the answer. */
function commandOf(service: Service, { userIds, definitionId }: SeededWrites): () => Promise<void> {
  const ids = createRandomIds();
  let n = 0;
  const context = (name: string) => {
    n += 1;
    return {
      name,
      commandId: `split-${n}-${ids.objectId()}`,
      metadata: { company_id: COMPANY, application_id: APP, actor: { type: 'platform_client' as const, id: CLIENT.id }, correlation_id: `split-${n}` },
    };
  };
  if (scenario === 'upsert') {
    return async () => {
      const userId = pick(userIds);
      const input = { definition_id: definitionId, value: Math.floor(Math.random() * 10_000), field: 'body.attribute.value', attribute_id: ids.objectId() };
      await setUserAttributes(service.commands, context('setUserAttribute'), userId, [input], service.cipher);
      if ((await service.readStore.userAttributes.get(APP, definitionId, userId)) === null) throw new Error('value not readable after its upsert');
    };
  }
  return async () => {
    const userId = pick(userIds);
    if ((await service.readStore.customers.status(APP, userId)) === null) throw new Error(`no customer ${userId}`);
    const config = (await service.readStore.platformConfigs.get(APP))?.config ?? defaultPlatformConfig();
    await startSession(service.sessionDeps, context('createUserSession'), {
      user_id: userId,
      application_id: APP,
      domain: 'shop.bench.example.com',
      user_agent: 'split-bench',
      ip: '127.0.0.1',
      duration_ms: sessionDurationMs(config),
      rolling: config.session_config.is_rolling,
    });
  };
}

/** CPU of this process per command, `LOAD.connections` commands in flight as the HTTP load keeps requests. */
async function inProcess(command: () => Promise<void>, count: number): Promise<number> {
  let left = count;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: LOAD.connections }, async () => {
      while (left-- > 0) await command();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'user-service-split-'));
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const seedDir = join(work, 'seed');
    const seeded = await seedWriteScenario(scenario, seedDir);
    const [httpDir, localDir] = [join(work, 'http'), join(work, 'local')];
    cpSync(seedDir, httpDir, { recursive: true });
    cpSync(seedDir, localDir, { recursive: true });
    const floor = await spawnNode('bench/floor.ts', {}, '/floor');
    stops.push(() => floor.stop());
    const server = await startService(httpDir);
    stops.push(() => server.stop());
    const service = await createService(serviceConfig(localDir), { logger: createLogger('silent') });
    stops.push(() => service.close());

    const token = await platformToken(server.url);
    const floorSpec: LoadSpec = { url: floor.url, pid: floor.pid, next: () => ({ path: '/floor' }) };
    const httpSpec = seeded.load(server, token);
    const command = commandOf(service, seeded);
    await warmUp(floorSpec);
    await warmUp(httpSpec);
    await inProcess(command, COMMANDS_PER_ROUND / 2);

    const figures = { floor: [] as number[], http: [] as number[], command: [] as number[] };
    for (let round = 1; round <= rounds; round++) {
      figures.floor.push((await measureWindow(floorSpec, WINDOW_SECONDS)).cpuUsPerRequest);
      const http = await measureWindow(httpSpec, WINDOW_SECONDS);
      if (http.non2xx > 0 || http.errors > 0) throw new Error(`${http.non2xx} non-2xx answers, ${http.errors} errors`);
      figures.http.push(http.cpuUsPerRequest);
      figures.command.push(await inProcess(command, COMMANDS_PER_ROUND));
      const [f, h, c] = [figures.floor.at(-1) ?? 0, figures.http.at(-1) ?? 0, figures.command.at(-1) ?? 0];
      console.log(`round ${round}: floor ${f.toFixed(0)} µs | request ${h.toFixed(0)} µs (${(h / f).toFixed(2)} x floor) | command ${c.toFixed(0)} µs (${(c / f).toFixed(2)} x floor)`);
    }
    const [f, h, c] = [median(figures.floor), median(figures.http), median(figures.command)];
    console.log(
      `${scenario}, medians of ${rounds} rounds, CPU per request: floor ${f.toFixed(0)} µs; whole request ${h.toFixed(0)} µs ` +
        `(ratio ${(f / h).toFixed(2)}); the command alone ${c.toFixed(0)} µs (${(c / f).toFixed(2)} x floor); ` +
        `around it ${(h - c).toFixed(0)} µs (${((h - c) / f).toFixed(2)} x floor)`,
    );
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
