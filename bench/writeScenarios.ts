import { seedAttributes, upsertLoad } from './attributes.js';
import type { LoadSpec } from './load.js';
import type { Child } from './processes.js';
import { createSessionLoad } from './scenarios.js';
import { seedCustomers } from './seed.js';

/** The write benchmarks that miss their targets, as the tools that study them (ab.ts, split.ts) name them. */
export const WRITE_SCENARIOS = ['upsert', 'create-session'] as const;
export type WriteScenario = (typeof WRITE_SCENARIOS)[number];

export function writeScenarioOf(name: string): WriteScenario {
  const found = WRITE_SCENARIOS.find((s) => s === name);
  if (found === undefined) throw new Error(`scenario must be one of ${WRITE_SCENARIOS.join(', ')}`);
  return found;
}

export interface SeededWrites {
  userIds: string[];
  /** The number attribute the upsert sets; empty for create-session. */
  definitionId: string;
  /** The benchmark's HTTP load against a service started on a copy of the seeded directory. */
  load(server: Child, token: string): LoadSpec;
}

/** Seeds what the benchmark seeds (10,000 customers, and for the upsert the attribute definitions) into `dataDir`. */
export async function seedWriteScenario(scenario: WriteScenario, dataDir: string, users = 10_000): Promise<SeededWrites> {
  if (scenario === 'upsert') {
    const seeded = await seedAttributes(dataDir, users, false, () => {});
    const definitionId = seeded.definitionIds.spend ?? '';
    return { userIds: seeded.userIds, definitionId, load: (server, token) => upsertLoad(server, token, definitionId, seeded.userIds) };
  }
  const { userIds } = await seedCustomers(dataDir, users);
  return { userIds, definitionId: '', load: (server, token) => createSessionLoad(server.url, server.pid, token, userIds) };
}
