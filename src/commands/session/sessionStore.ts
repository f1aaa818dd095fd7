/** An active storefront session as the per-request check needs it. The token itself is never stored. */
export interface SessionRecord {
  session_id: string;
  /** SHA-256 of the cookie's token: enough to find the session, useless to an attacker who reads the store. */
  token_hash: string;
  user_id: string;
  application_id: string;
  domain: string;
  user_agent: string;
  ip: string;
  created_at: number;
  expires_at: number;
  duration_ms: number;
  rolling: boolean;
}

/**
 * Where active sessions live: Redis in production, the embedded SQLite file otherwise. Both
 * adapters pass test/conformance/sessionStore.test.ts. Expired sessions are never returned.
 */
export interface SessionStore {
  save(record: SessionRecord): Promise<void>;
  /**
   * Optional, for a store that lives in the embedded event log's own file: announces the record
   * of a session whose SessionStarted event is about to be appended, so that the row can be
   * written inside the append's transaction (one commit for both). `save` then only confirms it,
   * and writes it itself if the append did not take it.
   */
  stage?(record: SessionRecord): void;
  /** Forgets a staged record whose append failed. */
  unstage?(sessionId: string): void;
  findByTokenHash(tokenHash: string, now: number): Promise<SessionRecord | null>;
  /** Moves the expiry of a rolling session; a session already gone stays gone. */
  extend(sessionId: string, expiresAt: number, now: number): Promise<void>;
  listForUser(applicationId: string, userId: string, now: number): Promise<SessionRecord[]>;
  /** Removes the named sessions of that user (all of them when `sessionIds` is undefined); returns the ids removed. */
  remove(applicationId: string, userId: string, sessionIds: string[] | undefined, now: number): Promise<string[]>;
  close(): Promise<void>;
}
