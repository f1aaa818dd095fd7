import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildSqliteProjection } from '../../src/projections/sqlite/rebuild.js';
import { call, startTestService, type TestService } from '../support/testService.js';

/** A small seeded generator: the same sequence on every run, so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261127;
const STEPS = 400;

/**
 * Every read model of the embedded store, rebuilt from position zero after a long random mix of
 * commands, holds exactly what the live one holds: the projections depend on the log alone, not
 * on the order or the batches in which they happened to see it.
 */
describe('rebuilding every read model after a long random sequence of commands', () => {
  let t: TestService;
  let token: string;
  beforeAll(async () => {
    t = await startTestService();
    token = await t.token();
  });
  afterAll(async () => t.close());

  it(`gives the same tables as the live projections (seed ${SEED}, ${STEPS} commands)`, async () => {
    const random = mulberry32(SEED);
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
    const P = t.platformBase;
    const users: string[] = [];
    const definitions: string[] = [];
    const groups: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (what: string, status: number) => outcomes.set(`${what} ${status}`, (outcomes.get(`${what} ${status}`) ?? 0) + 1);

    for (let step = 0; step < STEPS; step += 1) {
      const user = pick(users);
      const roll = random();
      if (users.length < 5 || roll < 0.2) {
        const n = users.length;
        const res = await call('POST', `${P}/customers`, token, {
          email: `r${n}.${SEED}@rebuild.example.com`,
          phone_number: `95${String(n).padStart(8, '0')}`,
          first_name: `R${n}`,
          gender: pick(['male', 'female', 'other']),
        });
        count('create', res.status);
        if (res.status === 200) users.push((res.body.user as { _id: string })._id);
      } else if (roll < 0.32 && user !== undefined) {
        const res = await call('PUT', `${P}/customers/${user}`, token, { first_name: `N${step}`, last_name: `L${Math.floor(random() * 100)}` });
        count('update', res.status);
      } else if (roll < 0.42 && user !== undefined) {
        const res = await call('PUT', `${P}/customers/activation`, token, { status: random() < 0.5, user_id: [user], reason: `step ${step}` });
        count('activation', res.status);
      } else if (roll < 0.48 && user !== undefined) {
        const res = await call('PUT', `${P}/customers/archive`, token, { user_id: user, reason: `step ${step}` });
        count('archive', res.status);
      } else if (roll < 0.53 && user !== undefined) {
        const res = await call('PUT', `${P}/customers/undelete`, token, { user_id: user, reason: `step ${step}`, reason_id: 'r1' });
        count('restore', res.status);
      } else if (roll < 0.58 || definitions.length === 0) {
        const type = pick(['string', 'number', 'boolean'] as const) ?? 'string';
        const res = await call('POST', `${P}/user_attribute/definition`, token, {
          name: `Attr ${step}`,
          slug: `attr_${step}`,
          type,
          encrypted: random() < 0.3,
        });
        count('define', res.status);
        if (res.status === 200) definitions.push(`${(res.body as { _id: string })._id}:${type}`);
      } else if (roll < 0.75 && user !== undefined) {
        const [definition = '', type] = (pick(definitions) ?? '').split(':');
        const value = type === 'number' ? Math.floor(random() * 1000) : type === 'boolean' ? random() < 0.5 : `v${Math.floor(random() * 20)}`;
        const res = await call('PUT', `${P}/user_attribute/definition/${definition}/user/${user}`, token, { attribute: { value } });
        count('set attribute', res.status);
      } else if (roll < 0.8 && user !== undefined) {
        const [definition = ''] = (pick(definitions) ?? '').split(':');
        const res = await call('DELETE', `${P}/user_attribute/definition/${definition}/user/${user}`, token);
        count('delete attribute', res.status);
      } else if (roll < 0.83) {
        const res = await call('POST', `${P}/user_group`, token, { name: `Group ${step}`, description: 'random members', type: 'bulk' });
        count('create group', res.status);
        if (res.status === 201) groups.push((res.body as { _id: string })._id);
      } else if (roll < 0.93 && user !== undefined && groups.length > 0) {
        const res = await call('PATCH', `${P}/user_group/${pick(groups) ?? ''}`, token, {
          type: 'json',
          user_data: [{ user_id: user, action: random() < 0.7 ? 'add' : 'remove' }],
        });
        count('membership', res.status);
      } else if (user !== undefined) {
        const res = await call('POST', `${P}/customers/session`, token, { user_id: user, domain: 'shop.example.com' });
        count('session', res.status);
      }
    }
    // The sequence did reach every kind of change, and mostly succeeded.
    for (const what of ['create', 'update', 'activation', 'archive', 'restore', 'define', 'set attribute', 'create group', 'membership']) {
      expect(outcomes.get(`${what} 200`) ?? outcomes.get(`${what} 201`) ?? 0, `${what} never succeeded: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    }

    const db = t.service.db;
    const snapshot = () =>
      Object.fromEntries(
        t.service.readStore.projections.flatMap((p) =>
          ('tables' in p ? (p.tables as string[]) : []).map((table) => {
            const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().map((c) => c.name);
            return [table, db.prepare(`SELECT * FROM ${table} ORDER BY ${columns.join(', ')}`).all()];
          }),
        ),
      );
    const live = snapshot();
    expect(Object.keys(live).length).toBeGreaterThanOrEqual(8);
    for (const projection of t.service.readStore.projections) rebuildSqliteProjection(db, t.service.eventStore, projection.name);
    expect(snapshot()).toEqual(live);
  });
});
