import type { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from './sessionStore.js';

/**
 * Keys: `<p>t:<token_hash>` → the record (JSON), `<p>i:<session_id>` → token hash, both expiring
 * with the session; `<p>u:<app>:<user>` → sorted set of session ids scored by expiry, for
 * listing and ending all of a user's sessions.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'us:sess:',
  ) {}

  private tokenKey = (hash: string) => `${this.prefix}t:${hash}`;
  private idKey = (id: string) => `${this.prefix}i:${id}`;
  private userKey = (app: string, user: string) => `${this.prefix}u:${app}:${user}`;

  async save(record: SessionRecord): Promise<void> {
    const ttl = Math.max(1, record.expires_at - record.created_at);
    const userKey = this.userKey(record.application_id, record.user_id);
    await this.redis
      .multi()
      .set(this.tokenKey(record.token_hash), JSON.stringify(record), 'PX', ttl)
      .set(this.idKey(record.session_id), record.token_hash, 'PX', ttl)
      .zadd(userKey, record.expires_at, record.session_id)
      .zremrangebyscore(userKey, '-inf', record.created_at)
      .pexpire(userKey, ttl)
      .exec();
  }

  async findByTokenHash(tokenHash: string, now: number): Promise<SessionRecord | null> {
    const raw = await this.redis.get(this.tokenKey(tokenHash));
    if (raw === null) return null;
    const record = JSON.parse(raw) as SessionRecord;
    return record.expires_at > now ? record : null;
  }

  async extend(sessionId: string, expiresAt: number, now: number): Promise<void> {
    const hash = await this.redis.get(this.idKey(sessionId));
    if (hash === null) return;
    const record = await this.findByTokenHash(hash, now);
    if (record === null) return;
    const ttl = Math.max(1, expiresAt - now);
    const updated: SessionRecord = { ...record, expires_at: expiresAt };
    const userKey = this.userKey(record.application_id, record.user_id);
    // XX: only while it still exists, so a session ended meanwhile is not brought back.
    await this.redis
      .multi()
      .set(this.tokenKey(hash), JSON.stringify(updated), 'PX', ttl, 'XX')
      .pexpire(this.idKey(sessionId), ttl)
      .zadd(userKey, 'XX', expiresAt, sessionId)
      .exec();
    const longest = await this.redis.zrange(userKey, -1, -1, 'WITHSCORES');
    const latest = Number(longest[1] ?? expiresAt);
    await this.redis.pexpire(userKey, Math.max(1, latest - now));
  }

  async listForUser(applicationId: string, userId: string, now: number): Promise<SessionRecord[]> {
    const ids = await this.redis.zrangebyscore(this.userKey(applicationId, userId), `(${now}`, '+inf');
    if (ids.length === 0) return [];
    const hashes = await this.redis.mget(ids.map(this.idKey));
    const live = hashes.filter((h): h is string => h !== null);
    if (live.length === 0) return [];
    const raws = await this.redis.mget(live.map(this.tokenKey));
    return raws
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as SessionRecord)
      .filter((r) => r.expires_at > now)
      .sort((a, b) => a.created_at - b.created_at);
  }

  async remove(applicationId: string, userId: string, sessionIds: string[] | undefined, now: number): Promise<string[]> {
    const userKey = this.userKey(applicationId, userId);
    const candidates = sessionIds ?? (await this.redis.zrangebyscore(userKey, `(${now}`, '+inf'));
    const removed: string[] = [];
    for (const id of candidates) {
      const hash = await this.redis.get(this.idKey(id));
      if (hash === null) continue;
      const record = await this.findByTokenHash(hash, now);
      // Another user's session id, or one already expired, is not this user's to end.
      if (record === null || record.user_id !== userId || record.application_id !== applicationId) continue;
      const results = await this.redis.multi().del(this.tokenKey(hash)).del(this.idKey(id)).zrem(userKey, id).exec();
      // Only the request whose DEL removed the record reports it, so concurrent ends count once.
      if (results?.[0]?.[1] === 1) removed.push(id);
    }
    return removed;
  }

  async close(): Promise<void> {}
}
