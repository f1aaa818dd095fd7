import type { IdentifierEvent, IdentifierKind } from '../../events/identifierEvents.js';
import { conflict } from '../../shared/errors.js';

/** Who holds an email, phone or username right now, and since when. */
export type IdentifierState = { holder: null } | { holder: string; since: string };

export type IdentifierCommand =
  | { type: 'ClaimIdentifier'; application_id: string; kind: IdentifierKind; user_id: string; now: string; staleHolder: boolean }
  | { type: 'ReleaseIdentifier'; application_id: string; kind: IdentifierKind; user_id: string };

export const initialIdentifierState = (): IdentifierState => ({ holder: null });

export function evolveIdentifier(state: IdentifierState, event: IdentifierEvent, occurredAt: string): IdentifierState {
  switch (event.type) {
    case 'IdentifierClaimed':
      return { holder: event.data.user_id, since: occurredAt };
    case 'IdentifierReleased':
      return state.holder === event.data.user_id ? { holder: null } : state;
  }
}

const fieldOf: Record<IdentifierKind, string> = { email: 'email', phone: 'phone_number', username: 'username', social: 'social account' };

/**
 * `staleHolder` is the handler's finding that the holder no longer uses the identifier (its
 * claim was written but its own events never were, e.g. a crash between two appends on
 * EventStoreDB). The decider stays pure: it is told, it does not look.
 */
export function decideIdentifier(command: IdentifierCommand, state: IdentifierState): IdentifierEvent[] {
  const { application_id, kind, user_id } = command;
  if (command.type === 'ReleaseIdentifier') {
    return state.holder === user_id ? [{ type: 'IdentifierReleased', data: { application_id, kind, user_id } }] : [];
  }
  if (state.holder === user_id) return [];
  if (state.holder !== null && !command.staleHolder) {
    throw conflict(`${kind}_taken`, `${fieldOf[kind]} is already used by another customer of this application`, fieldOf[kind]);
  }
  return [{ type: 'IdentifierClaimed', data: { application_id, kind, user_id } }];
}
