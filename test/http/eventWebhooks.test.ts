import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, verifySignature } from '../../src/webhooks/signature.js';
import { OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

interface Received {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
  event: { position: string; type: string; stream: string; data: { user_id?: string }; metadata: { event_id: string } };
}

/** A receiver on 127.0.0.1 that answers 503 to its first `failures` requests, or while `down` is set. */
async function startReceiver(failures: number) {
  const received: Received[] = [];
  let failuresLeft = failures;
  const state = { down: false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const fail = state.down || failuresLeft > 0;
      if (failuresLeft > 0) failuresLeft -= 1;
      const status = fail ? 503 : 200;
      received.push({ status, body, headers: req.headers, event: JSON.parse(body) as Received['event'] });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    state,
    delivered: () => received.filter((r) => r.status === 200),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const userOf = (r: Received) => r.event.data.user_id ?? r.event.stream.replace(/^user-/, '');

const adapters = [
  { name: 'embedded job table', env: (): Record<string, string> => ({}) },
  { name: 'BullMQ on Redis', env: (): Record<string, string> => ({ REDIS_URL, MONGODB_DATABASE: `test_${randomBytes(6).toString('hex')}` }) },
];

describe.each(adapters)('webhooks for published events ($name)', ({ env }) => {
  let t: TestService;
  let token: string;
  const serviceEnv = env();
  let n = 0;

  async function createCustomer(): Promise<string> {
    n += 1;
    const res = await call('POST', `${t.platformBase}/customers`, token, { phone_number: `93000000${String(n).padStart(2, '0')}`, first_name: `W${n}` });
    expect(res.status).toBe(200);
    return (res.body.user as { _id: string })._id;
  }

  async function register(url: string, event_types: string[]) {
    const res = await call('POST', `${t.platformBase}/webhooks`, token, { url, event_types, description: 'crm' });
    expect(res.status).toBe(201);
    return res.body as { webhook: { id: string }; secret: string };
  }

  beforeAll(async () => {
    t = await startTestService({ TOKEN_TTL_SECONDS: '86400', ...serviceEnv }, { jobTuning: { pollMs: 5, backoffMs: 30, attempts: 7 }, webhookPollMs: 10 });
    token = await t.token();
  });
  afterAll(async () => {
    await t.close();
    if (serviceEnv.REDIS_URL !== undefined) {
      const queue = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: `user-service:${serviceEnv.MONGODB_DATABASE}` });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('registers, lists and deletes webhooks per application, showing the secret once and storing it sealed', async () => {
    const { webhook, secret } = await register('https://crm.example.com/hooks', ['UserBlocked', 'UserCreated']);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url: 'https://crm.example.com/hooks', event_types: ['UserBlocked', 'UserCreated'], description: 'crm' });
    const listed = await call('GET', `${t.platformBase}/webhooks`, token);
    expect(listed.body.items).toEqual([webhook]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const rows = t.service.db.prepare("SELECT data FROM events WHERE type = 'WebhookRegistered'").all() as Array<{ data: string }>;
    expect(rows.some((r) => r.data.includes(secret))).toBe(false);
    // Another company's client sees none of them and cannot delete them.
    const otherToken = await t.token(OTHER_CLIENT, OTHER_COMPANY);
    const otherBase = `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}`;
    expect((await call('GET', `${otherBase}/webhooks`, otherToken)).body.items).toEqual([]);
    expect((await call('DELETE', `${otherBase}/webhooks/${webhook.id}`, otherToken)).status).toBe(404);
    expect((await call('DELETE', `${t.platformBase}/webhooks/${webhook.id}?reason=test`, token)).body).toEqual({ id: webhook.id, deleted: true });
    expect((await call('GET', `${t.platformBase}/webhooks`, token)).body.items).toEqual([]);
    expect((await call('GET', `${t.platformBase}/webhooks/${webhook.id}`, token)).status).toBe(404);
  });

  it('refuses a bad URL or event type with a 400 naming the field', async () => {
    const bad = async (body: unknown) => String((await call('POST', `${t.platformBase}/webhooks`, token, body)).body.message);
    expect(await bad({ url: 'ftp://x.example.com', event_types: ['UserCreated'] })).toContain('body.url');
    expect(await bad({ url: 'https://x.example.com', event_types: [] })).toContain('body.event_types');
    expect(await bad({ url: 'https://x.example.com', event_types: ['IdentifierClaimed'] })).toContain('body.event_types');
    expect((await call('GET', `${t.platformBase}/webhooks`, token)).body.items).toEqual([]);
  });

  it('delivers everything, in order per user, to an endpoint that fails five times and then recovers; signatures verify', async () => {
    const receiver = await startReceiver(5);
    try {
      const { webhook, secret } = await register(receiver.url, ['*']);
      const users = [await createCustomer(), await createCustomer(), await createCustomer()];
      // Concurrent changes of several users, several changes each.
      await Promise.all(
        users.map(async (id, i) => {
          await call('PUT', `${t.platformBase}/customers/${id}`, token, { first_name: `Renamed${i}` });
          await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [id], reason: 'review' });
          await call('PUT', `${t.platformBase}/customers/activation`, token, { status: true, user_id: [id], reason: 'cleared' });
        }),
      );
      const since = BigInt(((await call('GET', `${t.platformBase}/webhooks/${webhook.id}`, token)).body as { since_position: string }).since_position);
      const feed = await call('GET', `${t.platformBase}/events?limit=1000`, token);
      const expected = (feed.body.items as Array<{ position: string; metadata: { event_id: string } }>).filter((e) => BigInt(e.position) > since);
      expect(expected.length).toBe(users.length * 4);
      await until(() => new Set(receiver.delivered().map((r) => r.event.metadata.event_id)).size === expected.length, 'every event was delivered');

      expect(receiver.received.filter((r) => r.status === 503)).toHaveLength(5);
      expect(new Set(receiver.delivered().map((r) => r.event.metadata.event_id))).toEqual(new Set(expected.map((e) => e.metadata.event_id)));
      // In order per user, failed attempts included: a user's next event is not sent before the previous one was taken.
      for (const user of users) {
        const positions = receiver.received.filter((r) => userOf(r) === user).map((r) => BigInt(r.event.position));
        expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(receiver.delivered().filter((r) => userOf(r) === user).map((r) => r.event.type)).toEqual(['UserCreated', 'UserUpdated', 'UserBlocked', 'UserUnblocked']);
      }
      const now = Math.floor(Date.now() / 1000);
      for (const r of receiver.received) {
        expect(verifySignature(secret, String(r.headers[SIGNATURE_HEADER]), r.body, now)).toBe(true);
        expect(r.headers[EVENT_TYPE_HEADER]).toBe(r.event.type);
        expect(r.headers[DELIVERY_HEADER]).toBe(`webhook-${webhook.id}-${r.event.position}`);
      }
      const sample = receiver.received[0]!;
      expect(verifySignature(secret, String(sample.headers[SIGNATURE_HEADER]), sample.body.replace('}', ' }'), now)).toBe(false);
      expect(verifySignature('whsec_wrong', String(sample.headers[SIGNATURE_HEADER]), sample.body, now)).toBe(false);
      expect(verifySignature(secret, String(sample.headers[SIGNATURE_HEADER]), sample.body, now + 3600)).toBe(false);
      await call('DELETE', `${t.platformBase}/webhooks/${webhook.id}`, token);
    } finally {
      await receiver.close();
    }
  });

  it('dead-letters a delivery that fails every attempt, moves on to the next one, and replays it on request', async () => {
    const receiver = await startReceiver(0);
    receiver.state.down = true;
    try {
      const { webhook } = await register(receiver.url, ['UserCreated', 'UserBlocked']);
      const user = await createCustomer();
      await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [user], reason: 'fraud' });
      const deadLetters = async () =>
        (await call('GET', `${t.platformBase}/webhooks/dead-letters?webhook_id=${webhook.id}`, token)).body.items as Array<{
          delivery_id: string;
          event_type: string;
          attempts: number;
          error: string;
        }>;
      await until(async () => (await deadLetters()).length === 2, 'both deliveries were dead-lettered');
      const letters = await deadLetters();
      expect(letters.map((l) => l.event_type)).toEqual(['UserBlocked', 'UserCreated']);
      expect(letters[0]).toMatchObject({ attempts: 7, error: 'the webhook answered 503' });
      // The block was not tried before the creation had used up its attempts.
      expect(receiver.received.map((r) => r.event.type)).toEqual([...Array(7).fill('UserCreated'), ...Array(7).fill('UserBlocked')]);

      receiver.state.down = false;
      const created = letters[1]!.delivery_id;
      const replay = await call('POST', `${t.platformBase}/webhooks/deliveries/${created}/replay`, token);
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual({ delivery_id: created, from: 'dead_letters' });
      await until(() => receiver.delivered().length === 1, 'the replayed delivery arrived');
      expect(receiver.delivered()[0]!.event).toMatchObject({ type: 'UserCreated', stream: `user-${user}` });
      await until(async () => (await deadLetters()).length === 1, 'the replayed delivery left the dead-letter list');

      // A delivery that was made can be sent again too, as a new delivery of the same event.
      const again = await call('POST', `${t.platformBase}/webhooks/deliveries/${created}/replay`, token);
      expect(again.body).toMatchObject({ from: 'log', delivery_id: expect.stringMatching(new RegExp(`^${created}-replay-`)) as unknown });
      await until(() => receiver.delivered().length === 2, 'the second replay arrived');
      expect(receiver.delivered()[1]!.event.metadata.event_id).toBe(receiver.delivered()[0]!.event.metadata.event_id);

      expect((await call('POST', `${t.platformBase}/webhooks/deliveries/webhook-${webhook.id}-999999/replay`, token)).status).toBe(404);
      const otherToken = await t.token(OTHER_CLIENT, OTHER_COMPANY);
      const otherBase = `${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}`;
      expect((await call('POST', `${otherBase}/webhooks/deliveries/${letters[0]!.delivery_id}/replay`, otherToken)).status).toBe(404);
      expect((await call('GET', `${otherBase}/webhooks/dead-letters`, otherToken)).body.items).toEqual([]);
      await call('DELETE', `${t.platformBase}/webhooks/${webhook.id}`, token);
    } finally {
      await receiver.close();
    }
  });

  it('holds no personal data in its queue: a delivery replayed after the person was erased carries the erased markers', async () => {
    const receiver = await startReceiver(0);
    receiver.state.down = true;
    try {
      const { webhook } = await register(receiver.url, ['UserCreated']);
      const email = `erase.me.${n}@hooks.example.com`;
      n += 1;
      const res = await call('POST', `${t.platformBase}/customers`, token, { email, phone_number: `93100000${String(n).padStart(2, '0')}`, first_name: 'Forgettable' });
      expect(res.status).toBe(200);
      const user = (res.body.user as { _id: string })._id;
      const deadLetters = async () =>
        (await call('GET', `${t.platformBase}/webhooks/dead-letters?webhook_id=${webhook.id}`, token)).body.items as Array<{ delivery_id: string }>;
      await until(async () => (await deadLetters()).length === 1, 'the delivery was dead-lettered');
      expect(receiver.received[0]?.body).toContain(email);
      if (serviceEnv.REDIS_URL === undefined) {
        const rows = t.service.db.prepare('SELECT * FROM jobs').all();
        expect(JSON.stringify(rows)).not.toContain(email);
      }
      expect((await call('POST', `${t.platformBase}/customers/${user}/erase`, token, { reason: 'asked to be forgotten' })).status).toBe(200);
      receiver.state.down = false;
      const [letter] = await deadLetters();
      expect((await call('POST', `${t.platformBase}/webhooks/deliveries/${letter!.delivery_id}/replay`, token)).status).toBe(202);
      await until(() => receiver.delivered().length === 1, 'the replayed delivery arrived');
      const delivered = receiver.delivered()[0]!;
      expect(delivered.body).not.toContain(email);
      expect(delivered.body).not.toContain('Forgettable');
      expect(delivered.event).toMatchObject({ type: 'UserCreated', stream: `user-${user}`, data: { first_name: '[erased]' } });
      await call('DELETE', `${t.platformBase}/webhooks/${webhook.id}`, token);
    } finally {
      await receiver.close();
    }
  });
});

describe('the webhook dispatcher across a restart', () => {
  it('resumes from its checkpoint: events written while it was stopped are delivered, earlier ones not again', async () => {
    const receiver = await startReceiver(0);
    const dataDir = mkdtempSync(join(tmpdir(), 'user-service-webhooks-'));
    const options = { jobTuning: { pollMs: 5, backoffMs: 5 }, webhookPollMs: 10 };
    try {
      let t = await startTestService({ DATA_DIR: dataDir }, options);
      let token = await t.token();
      const register = await call('POST', `${t.platformBase}/webhooks`, token, { url: receiver.url, event_types: ['UserCreated'] });
      expect(register.status).toBe(201);
      const create = async (phone: string) => call('POST', `${t.platformBase}/customers`, token, { phone_number: phone });
      await create('9200000001');
      await until(() => receiver.delivered().length === 1, 'the first event was delivered');
      await t.service.webhookDispatcher.stop();
      await create('9200000002');
      await create('9200000003');
      await t.close();

      t = await startTestService({ DATA_DIR: dataDir }, options);
      token = await t.token();
      await until(() => receiver.delivered().length === 3, 'the events written while stopped were delivered');
      await create('9200000004');
      await until(() => receiver.delivered().length === 4, 'a new event was delivered');
      await sleep(100);
      const ids = receiver.delivered().map((r) => r.event.metadata.event_id);
      expect(new Set(ids).size).toBe(4);
      expect(ids).toHaveLength(4);
      await t.close();
    } finally {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
