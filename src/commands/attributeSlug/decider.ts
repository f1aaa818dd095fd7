import type { AttributeSlugEvent } from '../../events/attributeSlugEvents.js';
import { conflict } from '../../shared/errors.js';

/** Which definition holds a slug right now, and since when. */
export type SlugState = { holder: null } | { holder: string; since: string };

export type SlugCommand =
  | { type: 'ClaimSlug'; application_id: string; slug: string; definition_id: string; staleHolder: boolean }
  | { type: 'ReleaseSlug'; application_id: string; definition_id: string };

export const initialSlugState = (): SlugState => ({ holder: null });

export function evolveSlug(state: SlugState, event: AttributeSlugEvent, occurredAt: string): SlugState {
  switch (event.type) {
    case 'AttributeSlugClaimed':
      return { holder: event.data.definition_id, since: occurredAt };
    case 'AttributeSlugReleased':
      return state.holder === event.data.definition_id ? { holder: null } : state;
  }
}

/**
 * `staleHolder` is the handler's finding that the holder never came to use the slug (a crash
 * between two appends on a store without multi-stream transactions). Told, not looked up.
 */
export function decideSlug(command: SlugCommand, state: SlugState): AttributeSlugEvent[] {
  const { application_id, definition_id } = command;
  if (command.type === 'ReleaseSlug') {
    return state.holder === definition_id ? [{ type: 'AttributeSlugReleased', data: { application_id, definition_id } }] : [];
  }
  if (state.holder === definition_id) return [];
  if (state.holder !== null && !command.staleHolder) {
    throw conflict('slug_taken', `body.slug: "${command.slug}" is already the slug of another attribute definition of this application`, 'body.slug');
  }
  return [{ type: 'AttributeSlugClaimed', data: { application_id, definition_id } }];
}
