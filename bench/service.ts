import { configSchema, type Config } from '../src/config.js';
import { openEncryptedLog } from '../src/events/encryptedLog.js';
import type { EncryptingEventStore } from '../src/events/encryptingEventStore.js';
import { FieldCipher } from '../src/shared/fieldCipher.js';
import { loadOrCreateEncryptionKey } from '../src/shared/settings.js';
import type { SqliteDatabase } from '../src/shared/sqlite.js';
import { spawnNode, type Child } from './processes.js';

export const COMPANY = '559';
export const APP = '0000000000000000000000b1';
export const CLIENT = { id: 'bench-client', secret: 'bench-secret-0123456789abcdef' };
export const PLATFORM_PATH = `/service/platform/user/v1.0/company/${COMPANY}/application/${APP}`;

/** The service's environment: the embedded SQLite default, one client and one sales channel. */
export function serviceEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    BOOTSTRAP_PLATFORM_CLIENTS: `${COMPANY}:${CLIENT.id}:${CLIENT.secret}`,
    BOOTSTRAP_APPLICATIONS: `${COMPANY}:${APP}:bench-app-token`,
    ...extra,
  };
}

export function serviceConfig(dataDir: string, extra: Record<string, string> = {}): Config {
  return configSchema.parse({ ...serviceEnv(dataDir, extra), LOG_LEVEL: 'silent' });
}

/** `node --import tsx src/main.ts`, exactly what `npm start` runs, minus the npm wrapper; `root`: another checkout's. */
export function startService(dataDir: string, extra: Record<string, string> = {}, nodeArgs: string[] = [], root?: string): Promise<Child> {
  return spawnNode('src/main.ts', serviceEnv(dataDir, extra), '/health', nodeArgs, undefined, root);
}

export async function platformToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/service/panel/authentication/v1.0/company/${COMPANY}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One request outside the load, so a benchmark of 4xx answers cannot pass unnoticed. */
export async function expectOk(url: string, token: string, init: { method?: string; body?: string } = {}): Promise<unknown> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** Deterministic, distinct, valid (+91, 10 digits starting with 6-9) contact details per index. */
export const customerEmail = (run: string, i: number) => `c${i}.${run}@bench.example.com`;
export const customerPhone = (prefix: number, i: number) => `${prefix}${String(i).padStart(9, '0')}`;

/** The seeded file's log as the service reads it: personal fields opened with the keys in the file. */
export function embeddedLog(db: SqliteDatabase): EncryptingEventStore {
  return openEncryptedLog({ db, cipher: new FieldCipher(loadOrCreateEncryptionKey(db)) });
}
