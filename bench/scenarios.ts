import type { LoadSpec } from './load.js';
import { SEED_RUN } from './seed.js';
import { customerEmail, customerPhone, PLATFORM_PATH } from './service.js';

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** A platform POST with a JSON body; `body(i)` gives the i-th request's (1, 2, 3, …). */
function platformPost(url: string, pid: number, token: string, path: string, body: (i: number) => string): LoadSpec {
  let i = 0;
  return {
    url,
    pid,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    next: () => ({ path: `${PLATFORM_PATH}${path}`, body: body((i += 1)) }),
  };
}

/** POST /customers, a new phone number and email on every request. */
export function createCustomerLoad(url: string, pid: number, token: string, run: string, phonePrefix: number): LoadSpec {
  return platformPost(url, pid, token, '/customers', (i) =>
    JSON.stringify({
      phone_number: customerPhone(phonePrefix, i),
      email: customerEmail(run, i),
      first_name: `First${i}`,
      last_name: `Last${i}`,
      gender: 'female',
    }),
  );
}

export const listByEmailPath = (i: number) => `${PLATFORM_PATH}/customers/list?q=${encodeURIComponent(customerEmail(SEED_RUN, i))}`;

/** GET /customers/list?q=<email> of a random seeded customer. */
export function listByEmailLoad(url: string, pid: number, token: string, customers: number): LoadSpec {
  return {
    url,
    pid,
    headers: { authorization: `Bearer ${token}` },
    next: () => ({ path: listByEmailPath(Math.floor(Math.random() * customers)) }),
  };
}

/** GET /customers/<user_id> of a random seeded customer. */
export function getByIdLoad(url: string, pid: number, token: string, userIds: readonly string[]): LoadSpec {
  return {
    url,
    pid,
    headers: { authorization: `Bearer ${token}` },
    next: () => ({ path: `${PLATFORM_PATH}/customers/${pick(userIds)}` }),
  };
}

export const sessionBody = (userIds: readonly string[], i: number) =>
  JSON.stringify({ user_id: userIds[i % userIds.length], domain: 'shop.bench.example.com' });

/** POST /customers/session for the seeded customers in turn. */
export function createSessionLoad(url: string, pid: number, token: string, userIds: readonly string[]): LoadSpec {
  return platformPost(url, pid, token, '/customers/session', (i) => sessionBody(userIds, i));
}
