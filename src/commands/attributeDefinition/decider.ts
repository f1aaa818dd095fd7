import type { AttributeDefinitionEvent, AttributeDefinitionFields } from '../../events/attributeDefinitionEvents.js';
import { conflict, notFound } from '../../shared/errors.js';
import { normalizeDefinition, type DefinitionInput } from './definitionRules.js';

export type DefinitionState =
  | { status: 'absent' }
  | { status: 'present' | 'deleted'; definition_id: string; application_id: string; definition: AttributeDefinitionFields };

/** `default_value: null` in changes clears the default; absent keys keep what is there. */
export type DefinitionChanges = Partial<Omit<AttributeDefinitionFields, 'default_value' | 'validations'>> & {
  default_value?: unknown;
  validations?: unknown;
};

export type DefinitionCommand =
  | { type: 'CreateDefinition'; definition_id: string; application_id: string; company_id: string; definition: DefinitionInput }
  /** `valuesExist`: the handler's finding that some user has a value for this definition. */
  | { type: 'UpdateDefinition'; changes: DefinitionChanges; valuesExist: boolean }
  | { type: 'DeleteDefinition'; valuesDeleted: number };

export const initialDefinitionState = (): DefinitionState => ({ status: 'absent' });

export function evolveDefinition(state: DefinitionState, event: AttributeDefinitionEvent): DefinitionState {
  const { definition_id, application_id } = event.data;
  switch (event.type) {
    case 'AttributeDefinitionCreated':
    case 'AttributeDefinitionUpdated':
      return { status: 'present', definition_id, application_id, definition: event.data.definition };
    case 'AttributeDefinitionDeleted':
      return state.status === 'absent' ? state : { ...state, status: 'deleted' };
  }
}

/** Changing these would make stored values wrong, so they are fixed once any value exists. */
const FIXED_ONCE_USED = ['type', 'is_multi_value', 'encrypted'] as const;

function changedKeys(before: AttributeDefinitionFields, after: AttributeDefinitionFields): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter(
    (key) => JSON.stringify((before as Record<string, unknown>)[key]) !== JSON.stringify((after as Record<string, unknown>)[key]),
  );
}

function merge(definition: AttributeDefinitionFields, changes: DefinitionChanges): DefinitionInput {
  const merged: Record<string, unknown> = { ...definition };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null && key === 'default_value') delete merged[key];
    else merged[key] = value;
  }
  return merged as DefinitionInput;
}

export function decideDefinition(command: DefinitionCommand, state: DefinitionState): AttributeDefinitionEvent[] {
  if (command.type === 'CreateDefinition') {
    if (state.status !== 'absent') throw conflict('definition_exists', `attribute definition ${command.definition_id} already exists`);
    const { definition_id, application_id, company_id } = command;
    return [{ type: 'AttributeDefinitionCreated', data: { definition_id, application_id, company_id, definition: normalizeDefinition(command.definition) } }];
  }
  if (state.status !== 'present') throw notFound('attribute definition');
  const { definition_id, application_id, definition } = state;
  if (definition.is_locked) {
    throw conflict('definition_locked', `attribute definition "${definition.slug}" is locked: it cannot be changed or deleted`);
  }
  switch (command.type) {
    case 'UpdateDefinition': {
      const next = normalizeDefinition(merge(definition, command.changes));
      const changed = changedKeys(definition, next);
      if (command.valuesExist && changed.includes('slug')) {
        throw conflict('slug_immutable', `body.slug: the slug of "${definition.slug}" cannot change once users have values for it`, 'body.slug');
      }
      const fixed = FIXED_ONCE_USED.find((key) => command.valuesExist && changed.includes(key));
      if (fixed !== undefined) {
        throw conflict('definition_in_use', `body.${fixed}: cannot change once users have values for "${definition.slug}"`, `body.${fixed}`);
      }
      return changed.length === 0 ? [] : [{ type: 'AttributeDefinitionUpdated', data: { definition_id, application_id, definition: next, changed } }];
    }
    case 'DeleteDefinition':
      return [
        { type: 'AttributeDefinitionDeleted', data: { definition_id, application_id, slug: definition.slug, values_deleted: command.valuesDeleted } },
      ];
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}
