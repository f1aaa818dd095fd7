import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../src/commands/notifications/webhookNotifier.js';
import { configSchema } from '../../src/config.js';
import { verifySignature } from '../../src/webhooks/signature.js';
import { createService, type ServiceOptions } from '../../src/main.js';
import { APP, startTestService, type TestService } from '../support/testService.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'webhook-secret-0123456789';
const OTP = '482913';
const PHONE = '+919876543210';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that answers 503 to the first `failures` requests, then 204. */
async function startReceiver(failures: number): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = received.length <= failures ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/notifications`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function verifies(body: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', SECRET).update(body).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

const adapters = [
  { name: 'embedded job table', env: (): Record<string, string> => ({}) },
  { name: 'BullMQ on Redis', env: (): Record<string, string> => ({ REDIS_URL, MONGODB_DATABASE: `test_${randomBytes(6).toString('hex')}` }) },
];

describe.each(adapters)('notification webhook delivery ($name)', ({ env }) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startService(webhookUrl: string, options: ServiceOptions): Promise<TestService> {
    const serviceEnv: Record<string, string> = { ...env(), NOTIFY_WEBHOOK_URL: webhookUrl, NOTIFY_WEBHOOK_SECRET: SECRET };
    const t = await startTestService(serviceEnv, options);
    cleanups.push(async () => {
      await t.close();
      if (serviceEnv.REDIS_URL !== undefined) {
        const queue = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: `user-service:${serviceEnv.MONGODB_DATABASE}` });
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });
    return t;
  }

  it('retries until the receiver takes the signed message, and logs neither the recipient nor the OTP', async () => {
    const receiver = await startReceiver(2);
    cleanups.push(receiver.close);
    const logLines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    const t = await startService(receiver.url, { logger, jobTuning: { backoffMs: 25, pollMs: 5 } });
    expect(t.service.notifier).toBeInstanceOf(WebhookNotifier);

    const before = Date.now();
    await t.service.notifier.send({ channel: 'sms', to: PHONE, template: 'otp_login', data: { otp: OTP }, application_id: APP });
    await until(() => receiver.received.length === 3, 'the third request arrived');
    await sleep(100);
    expect(receiver.received).toHaveLength(3);

    const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies[2]).toEqual({
      channel: 'sms',
      to: PHONE,
      template: 'otp_login',
      data: { otp: OTP },
      application_id: APP,
      id: expect.stringMatching(/^[0-9a-f]{24}$/) as unknown,
      created_at: expect.any(String) as unknown,
    });
    // Every attempt carries the same message, so the receiver can drop a repeat by its id.
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    for (const { headers, body } of receiver.received) {
      expect(headers['content-type']).toBe('application/json');
      expect(verifies(body, headers['x-signature'])).toBe(true);
      expect(Math.abs(Number(headers['x-timestamp']) * 1000 - before)).toBeLessThan(60_000);
      // The event webhooks' scheme too: the timestamp is signed, so an old capture is refused.
      const signed = String(headers['x-user-service-signature']);
      expect(signed).toMatch(new RegExp(`^t=${String(headers['x-timestamp'])},v1=[0-9a-f]{64}$`));
      expect(verifySignature(SECRET, signed, body, Number(headers['x-timestamp']))).toBe(true);
      expect(verifySignature(SECRET, signed, body, Number(headers['x-timestamp']) + 3600)).toBe(false);
    }
    expect(verifies(receiver.received[2]!.body.replace(OTP, '000000'), receiver.received[2]!.headers['x-signature'])).toBe(false);
    const tampered = receiver.received[2]!;
    expect(verifySignature(SECRET, String(tampered.headers['x-user-service-signature']), tampered.body.replace(OTP, '000000'), Number(tampered.headers['x-timestamp']))).toBe(false);

    const logs = logLines.join('');
    expect(logLines.filter((l) => l.includes('job failed; it will be retried'))).toHaveLength(2);
    expect(logs).toContain('the notification webhook answered 503');
    for (const secret of [OTP, PHONE, PHONE.slice(3)]) expect(logs).not.toContain(secret);
    expect(await t.service.jobs.failed()).toEqual([]);
    expect(await t.service.jobs.depth()).toBe(0);
  });

  it('keeps a message the receiver never takes in the failed list, sealed, and delivers it on retry', async () => {
    const receiver = await startReceiver(3);
    cleanups.push(receiver.close);
    const t = await startService(receiver.url, { jobTuning: { attempts: 3, backoffMs: 10, pollMs: 5 } });

    await t.service.notifier.send({ channel: 'email', to: 'ann@example.com', template: 'password_reset_link', data: { link: 'https://shop/reset?t=abc' }, application_id: APP });
    await until(async () => (await t.service.jobs.failed()).length === 1, 'the delivery failed for good');
    const failed = await t.service.jobs.failed();
    expect(receiver.received).toHaveLength(3);
    expect(failed[0]).toMatchObject({ name: 'notification.deliver', attempts: 3, error: 'the notification webhook answered 503' });
    const stored = JSON.stringify(failed[0]!.payload);
    expect(stored).not.toContain('ann@example.com');
    expect(stored).not.toContain('reset?t=abc');

    expect(await t.service.jobs.retry(failed[0]!.id)).toBe(true);
    await until(() => receiver.received.length === 4, 'the retried delivery arrived');
    expect(JSON.parse(receiver.received[3]!.body)).toMatchObject({ to: 'ann@example.com', data: { link: 'https://shop/reset?t=abc' } });
  });
});

describe('notification configuration', () => {
  it('refuses to start with a webhook URL and no secret, before opening anything', async () => {
    const dataDir = join(tmpdir(), `never-created-${randomBytes(6).toString('hex')}`);
    const config = configSchema.parse({ DATA_DIR: dataDir, NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hooks' });
    await expect(createService(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(/NOTIFY_WEBHOOK_SECRET: required/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
