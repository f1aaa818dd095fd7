import { ERASED } from '../../events/personalDataCodec.js';
import type { StoredEvent } from '../../events/envelope.js';
import {
  ATTRIBUTE_DEFINITION_STREAM_PREFIX,
  type AttributeDefinitionEvent,
  type AttributeDefinitionFields,
} from '../../events/attributeDefinitionEvents.js';
import { USER_ATTRIBUTE_STREAM_PREFIX, type UserAttributeEvent } from '../../events/userAttributeEvents.js';
import type { StoredUserAttribute } from '../../commands/userAttribute/decider.js';

export interface AttributeDefinitionView extends AttributeDefinitionFields {
  definition_id: string;
  application_id: string;
  company_id: string;
  created_at: string;
  modified_at: string;
  /** Actor ids from the event metadata: who created it and who changed it last. */
  created_by: string;
  updated_by: string;
  /** Kept as a tombstone, so that a replayed older event cannot bring it back. */
  deleted: boolean;
  /** Position of the creating event: newest definitions list first. */
  seq: number;
  revision: number;
}

export interface UserAttributeView extends StoredUserAttribute {
  created_at: string;
  updated_at: string;
  updated_by: string;
  deleted: boolean;
  seq: number;
  revision: number;
}

/** One read model over both aggregates: a value is indexed by its definition's type, in log order. */
export const attributeStreamPrefixes = [ATTRIBUTE_DEFINITION_STREAM_PREFIX, USER_ATTRIBUTE_STREAM_PREFIX];

export const isDefinitionEvent = (event: StoredEvent): boolean => event.stream.startsWith(ATTRIBUTE_DEFINITION_STREAM_PREFIX);

export function evolveDefinitionView(view: AttributeDefinitionView | null, stored: StoredEvent): AttributeDefinitionView | null {
  if (view !== null && stored.revision <= view.revision) return view;
  const event = { type: stored.type, data: stored.data } as AttributeDefinitionEvent;
  const at = stored.occurred_at;
  const actor = stored.metadata.actor.id;
  switch (event.type) {
    case 'AttributeDefinitionCreated': {
      const { definition_id, application_id, company_id, definition } = event.data;
      return {
        ...definition,
        definition_id,
        application_id,
        company_id,
        created_at: at,
        modified_at: at,
        created_by: actor,
        updated_by: actor,
        deleted: false,
        seq: Number(stored.position),
        revision: stored.revision,
      };
    }
    case 'AttributeDefinitionUpdated': {
      if (view === null) return null;
      const { definition_id, application_id, company_id, created_at, created_by, seq } = view;
      return {
        ...event.data.definition,
        definition_id,
        application_id,
        company_id,
        created_at,
        created_by,
        seq,
        modified_at: at,
        updated_by: actor,
        deleted: false,
        revision: stored.revision,
      };
    }
    case 'AttributeDefinitionDeleted':
      return view === null ? null : { ...view, deleted: true, modified_at: at, updated_by: actor, revision: stored.revision };
    default:
      return view;
  }
}

/**
 * A value set for a definition that is gone (it raced the definition's deletion) is ignored:
 * the deletion took every value of the definition with it.
 */
export function evolveUserAttributeView(
  view: UserAttributeView | null,
  stored: StoredEvent,
  definition: AttributeDefinitionView | null,
): UserAttributeView | null {
  if (view !== null && stored.revision <= view.revision) return view;
  const event = { type: stored.type, data: stored.data } as UserAttributeEvent;
  const at = stored.occurred_at;
  const actor = stored.metadata.actor.id;
  switch (event.type) {
    case 'UserAttributeSet': {
      if (definition === null || definition.deleted) return view;
      const live = view !== null && !view.deleted && view.attribute_id === event.data.attribute_id;
      return {
        ...event.data,
        created_at: live ? view.created_at : at,
        seq: live ? view.seq : Number(stored.position),
        updated_at: at,
        updated_by: actor,
        deleted: false,
        revision: stored.revision,
      };
    }
    case 'UserAttributeDeleted': {
      if (view === null) return null;
      const deleted = { ...view, deleted: true, updated_at: at, updated_by: actor, revision: stored.revision };
      // An erased person's value must not linger in the read model, even on a deleted row.
      return event.data.reason === 'user_erased' ? { ...deleted, value: ERASED } : deleted;
    }
    default:
      return view;
  }
}
