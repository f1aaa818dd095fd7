import { createHash } from 'node:crypto';
import { sessionEnderOf, sessionStream, type SessionEvent } from '../../events/sessionEvents.js';
import type { IdGenerator } from '../../shared/ids.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps } from '../commandRunner.js';
import { decideSession, evolveSession, initialSessionState, type SessionState } from './decider.js';
import type { SessionRecord, SessionStore } from './sessionStore.js';

export const SESSION_COOKIE = 'f.session';
/** A rolling session's expiry is written at most this often, not on every request. */
const ROLLING_WRITE_INTERVAL_MS = 60_000;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface SessionDeps extends CommandDeps {
  sessions: SessionStore;
  ids: IdGenerator;
}

export interface StartedSession {
  record: SessionRecord;
  /** The cookie value: 256 random bits, returned once and never stored. */
  token: string;
}

export async function startSession(
  deps: SessionDeps,
  context: CommandContext,
  input: { user_id: string; application_id: string; domain: string; user_agent: string; ip: string; duration_ms: number; rolling: boolean },
): Promise<StartedSession> {
  const token = deps.ids.token(32);
  const now = deps.clock.now().getTime();
  // The public handle used to list and end a session: the time in ms, then 128 random bits, in
  // hex. Sessions started together sort together, so their event streams and index entries land
  // in the same few hot B-tree pages; random ids put each in a page of its own, written at commit.
  const sessionId = now.toString(16).padStart(12, '0') + Buffer.from(deps.ids.token(16), 'base64url').toString('hex');
  const record: SessionRecord = {
    session_id: sessionId,
    token_hash: hashToken(token),
    user_id: input.user_id,
    application_id: input.application_id,
    domain: input.domain,
    user_agent: input.user_agent,
    ip: input.ip,
    created_at: now,
    expires_at: now + input.duration_ms,
    duration_ms: input.duration_ms,
    rolling: input.rolling,
  };
  const stream = sessionStream(sessionId);
  deps.sessions.stage?.(record);
  try {
    await runCommand(deps, context, async () => ({
      appends: [
        {
          stream,
          expectedRevision: 'no_stream',
          events: decideSession(
            {
              type: 'StartSession',
              data: {
                session_id: sessionId,
                user_id: input.user_id,
                application_id: input.application_id,
                domain: input.domain,
                expires_at: new Date(record.expires_at).toISOString(),
                user_agent: input.user_agent,
                ip: input.ip,
              },
            },
            initialSessionState(),
          ),
        },
      ],
      result: undefined,
    }));
  } catch (error) {
    deps.sessions.unstage?.(sessionId);
    throw error;
  }
  await deps.sessions.save(record);
  return { record, token };
}

/** The per-request check: a live session for this token, its expiry rolled forward if configured. */
export async function validateSession(deps: Pick<SessionDeps, 'sessions' | 'clock'>, token: string): Promise<SessionRecord | null> {
  const now = deps.clock.now().getTime();
  const record = await deps.sessions.findByTokenHash(hashToken(token), now);
  if (record === null) return null;
  if (record.rolling && now + record.duration_ms - record.expires_at >= ROLLING_WRITE_INTERVAL_MS) {
    const expiresAt = now + record.duration_ms;
    await deps.sessions.extend(record.session_id, expiresAt, now);
    return { ...record, expires_at: expiresAt };
  }
  return record;
}

/**
 * Ends sessions of a user: the events go first (with reason and actor, for the audit trail),
 * then the store forgets them. A retry after a failure in between ends them without new events.
 */
export async function endSessions(
  deps: SessionDeps,
  context: CommandContext,
  input: { application_id: string; user_id: string; session_ids?: string[]; reason: string; reason_id?: string },
): Promise<string[]> {
  const now = deps.clock.now().getTime();
  const ids = input.session_ids ?? (await deps.sessions.listForUser(input.application_id, input.user_id, now)).map((s) => s.session_id);
  if (ids.length === 0) return [];
  await runCommand(deps, context, async () => {
    const appends = await Promise.all(
      ids.map(async (sessionId) => {
        const stream = sessionStream(sessionId);
        const loaded = await loadStream<SessionState, SessionEvent>(deps.store, stream, evolveSession, initialSessionState);
        const events = decideSession(
          {
            type: 'EndSession',
            session_id: sessionId,
            user_id: input.user_id,
            reason: input.reason,
            ended_by: sessionEnderOf(context.metadata.actor),
            ...(input.reason_id === undefined ? {} : { reason_id: input.reason_id }),
          },
          loaded.state,
        );
        return { stream, expectedRevision: loaded.revision, events };
      }),
    );
    return { appends, result: undefined };
  });
  return deps.sessions.remove(input.application_id, input.user_id, ids, now);
}
