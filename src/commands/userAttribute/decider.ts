import type { UserAttributeEvent } from '../../events/userAttributeEvents.js';
import { notFound } from '../../shared/errors.js';

export interface StoredUserAttribute {
  attribute_id: string;
  application_id: string;
  definition_id: string;
  user_id: string;
  /** Normalized, or its ciphertext when `encrypted`. */
  value: unknown;
  encrypted: boolean;
  customer_overridden: boolean;
}

export type UserAttributeState = { status: 'absent' } | { status: 'present'; attribute: StoredUserAttribute };

export type UserAttributeCommand =
  /** `attribute_id` names the record if this creates it; an existing record keeps its own. */
  | { type: 'SetUserAttribute'; attribute: StoredUserAttribute; customer_overridden?: boolean }
  | { type: 'DeleteUserAttribute'; reason: 'deleted' | 'definition_deleted' | 'user_erased' };

export const initialUserAttributeState = (): UserAttributeState => ({ status: 'absent' });

export function evolveUserAttribute(_state: UserAttributeState, event: UserAttributeEvent): UserAttributeState {
  switch (event.type) {
    case 'UserAttributeSet':
      return { status: 'present', attribute: event.data };
    case 'UserAttributeDeleted':
      return { status: 'absent' };
  }
}

export function decideUserAttribute(command: UserAttributeCommand, state: UserAttributeState): UserAttributeEvent[] {
  switch (command.type) {
    case 'SetUserAttribute': {
      const current = state.status === 'present' ? state.attribute : undefined;
      const next: StoredUserAttribute = {
        ...command.attribute,
        attribute_id: current?.attribute_id ?? command.attribute.attribute_id,
        customer_overridden: command.customer_overridden ?? current?.customer_overridden ?? false,
      };
      const unchanged =
        current !== undefined &&
        current.encrypted === next.encrypted &&
        current.customer_overridden === next.customer_overridden &&
        JSON.stringify(current.value) === JSON.stringify(next.value);
      return unchanged ? [] : [{ type: 'UserAttributeSet', data: next }];
    }
    case 'DeleteUserAttribute': {
      if (state.status === 'absent') throw notFound('user attribute');
      const { attribute_id, application_id, definition_id, user_id } = state.attribute;
      return [{ type: 'UserAttributeDeleted', data: { attribute_id, application_id, definition_id, user_id, reason: command.reason } }];
    }
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}
