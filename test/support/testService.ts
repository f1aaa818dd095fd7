import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type Config } from '../../src/config.js';
import { createService, type Service, type ServiceOptions } from '../../src/main.js';
import { createLogger } from '../../src/api/observability.js';

export const COMPANY = '559';
export const OTHER_COMPANY = '560';
export const APP = '000000000000000000000001';
export const OTHER_APP = '000000000000000000000002';
export const CLIENT = { id: 'client-559', secret: 'secret-559-abcdefgh' };
export const OTHER_CLIENT = { id: 'client-560', secret: 'secret-560-abcdefgh' };
export const APP_TOKEN = 'app-token-0001';

export interface TestService {
  service: Service;
  baseUrl: string;
  platformBase: string;
  dataDir: string;
  /** A platform bearer token for CLIENT (company 559). */
  token(client?: { id: string; secret: string }, company?: string): Promise<string>;
  close(): Promise<void>;
}

/** The real service on 127.0.0.1 with the embedded SQLite default, in a fresh data directory. */
/** A platform access token by client credentials, as a back office gets one. */
export async function requestPlatformToken(baseUrl: string, client = CLIENT, company = COMPANY): Promise<string> {
  const res = await fetch(`${baseUrl}/service/panel/authentication/v1.0/company/${company}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function startTestService(env: Record<string, string> = {}, options: ServiceOptions = {}): Promise<TestService> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'user-service-test-'));
  const config: Config = configSchema.parse({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    BOOTSTRAP_PLATFORM_CLIENTS: `${COMPANY}:${CLIENT.id}:${CLIENT.secret},${OTHER_COMPANY}:${OTHER_CLIENT.id}:${OTHER_CLIENT.secret}`,
    BOOTSTRAP_APPLICATIONS: `${COMPANY}:${APP}:${APP_TOKEN},${OTHER_COMPANY}:${OTHER_APP}:${APP_TOKEN}`,
    ...env,
  });
  const service = await createService(config, { logger: createLogger('silent'), ...options });
  const server: Server = await new Promise((resolve) => {
    const s = service.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const tokens = new Map<string, string>();
  return {
    service,
    baseUrl,
    platformBase: `${baseUrl}/service/platform/user/v1.0/company/${COMPANY}/application/${APP}`,
    dataDir,
    async token(client = CLIENT, company = COMPANY) {
      const key = `${client.id}@${company}`;
      const cached = tokens.get(key);
      if (cached !== undefined) return cached;
      const token = await requestPlatformToken(baseUrl, client, company);
      tokens.set(key, token);
      return token;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      if (env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON request helper that returns status and parsed body. */
export async function call(
  method: string,
  url: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Both job queues, for suites of delayed jobs: the embedded table, and BullMQ on the Redis at REDIS_URL. */
export const JOB_QUEUES = [
  { name: 'embedded job table', redis: false },
  { name: 'BullMQ on Redis', redis: true },
];
