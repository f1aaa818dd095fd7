import type { SessionEnder, SessionEvent } from '../../events/sessionEvents.js';
import { conflict, notFound } from '../../shared/errors.js';

export type SessionState = { status: 'none' } | { status: 'active' | 'ended'; user_id: string };

export type SessionCommand =
  | { type: 'StartSession'; data: Extract<SessionEvent, { type: 'SessionStarted' }>['data'] }
  | { type: 'EndSession'; session_id: string; user_id: string; reason: string; reason_id?: string; ended_by: SessionEnder };

export const initialSessionState = (): SessionState => ({ status: 'none' });

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted':
      return { status: 'active', user_id: event.data.user_id };
    case 'SessionEnded':
      return state.status === 'none' ? state : { ...state, status: 'ended' };
  }
}

export function decideSession(command: SessionCommand, state: SessionState): SessionEvent[] {
  if (command.type === 'StartSession') {
    if (state.status !== 'none') throw conflict('session_exists', 'session id already used');
    return [{ type: 'SessionStarted', data: command.data }];
  }
  if (state.status === 'none' || state.user_id !== command.user_id) throw notFound('session');
  if (state.status === 'ended') return [];
  const { session_id, user_id, reason, reason_id, ended_by } = command;
  return [{ type: 'SessionEnded', data: { session_id, user_id, reason, ...(reason_id === undefined ? {} : { reason_id }), ended_by } }];
}
