import { randomUUID } from 'node:crypto';
import type { SessionRecord } from '../../src/commands/session/sessionStore.js';

export const SESSION_T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

/** A live session of user u1 in app1, a minute long from SESSION_T0, with fresh random ids. */
export const sessionRecord = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  session_id: randomUUID().replaceAll('-', ''),
  token_hash: randomUUID(),
  user_id: 'u1',
  application_id: 'app1',
  domain: 'shop.example.com',
  user_agent: 'test-agent',
  ip: '127.0.0.1',
  created_at: SESSION_T0,
  expires_at: SESSION_T0 + 60_000,
  duration_ms: 60_000,
  rolling: false,
  ...overrides,
});
