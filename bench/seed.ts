import { createLogger } from '../src/api/observability.js';
import type { CommandContext } from '../src/commands/commandRunner.js';
import { createCustomer } from '../src/commands/customer/handlers.js';
import { createService } from '../src/main.js';
import { createRandomIds } from '../src/shared/ids.js';
import { APP, CLIENT, COMPANY, customerEmail, customerPhone, serviceConfig } from './service.js';

export const SEED_RUN = 'seed';

export interface Seeded {
  userIds: string[];
  ms: number;
  events: number;
}

/**
 * Loads `count` customers through the real command handler (decide, uniqueness claims, group
 * commit, inline projection), `concurrency` commands in flight, in this process: no HTTP.
 */
export async function seedCustomers(dataDir: string, count: number, concurrency = 500, onProgress?: (done: number) => void): Promise<Seeded> {
  const service = await createService(serviceConfig(dataDir), { logger: createLogger('silent') });
  const ids = createRandomIds();
  const userIds: string[] = new Array<string>(count);
  const headBefore = await service.eventStore.headPosition();
  let next = 0;
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const userId = ids.objectId();
      const phone = customerPhone(9, i);
      const context: CommandContext = {
        name: 'createCustomer',
        commandId: `bench-seed-${userId}`,
        metadata: {
          company_id: COMPANY,
          application_id: APP,
          actor: { type: 'platform_client', id: CLIENT.id },
          correlation_id: `bench-seed-${i}`,
        },
      };
      await createCustomer(service.commands, context, {
        user_id: userId,
        application_id: APP,
        company_id: COMPANY,
        username: `${phone}_${userId.slice(-5)}`,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        gender: i % 2 === 0 ? 'female' : 'male',
        meta: { source: 'bench', tier: i % 5 },
        phone_numbers: [{ phone, country_code: 91, active: true, primary: true, verified: true }],
        emails: [{ email: customerEmail(SEED_RUN, i), active: true, primary: true, verified: true }],
        account_type: 'user',
      });
      userIds[i] = userId;
      done += 1;
      if (done % 10_000 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  const events = Number((await service.eventStore.headPosition()) - headBefore);
  await service.close();
  return { userIds, ms, events };
}
