import { userAttributeStream, type UserAttributeEvent } from '../../events/userAttributeEvents.js';
import { conflict, notFound } from '../../shared/errors.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import { normalizeAttributeValue } from '../attributeDefinition/attributeValue.js';
import { applicationOf, loadScopedDefinition, type PresentDefinition } from '../attributeDefinition/handlers.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps, type PlannedAppend } from '../commandRunner.js';
import { loadCustomerStanding } from '../customer/handlers.js';
import {
  decideUserAttribute,
  evolveUserAttribute,
  initialUserAttributeState,
  type StoredUserAttribute,
  type UserAttributeState,
} from './decider.js';

export interface ValueInput {
  definition_id: string;
  value: unknown;
  /** Where the value came from in the request, named in a 400. */
  field: string;
  /** Where the definition id came from, named in a 404; none when it is in the path. */
  definitionField?: string;
  /** A fresh id for the record, used only if this creates it. */
  attribute_id: string;
  customer_overridden?: boolean;
}

/** A value and the definition it belongs to, as the command left them. */
export interface SetAttribute {
  attribute: StoredUserAttribute;
  definition: PresentDefinition;
}

/**
 * A value's state is its last event (evolveUserAttribute ignores the state before), so only that
 * event is read: an attribute written thousands of times costs no more to set than a new one.
 */
const loadValue = (deps: CommandDeps, definitionId: string, userId: string) =>
  loadStream<UserAttributeState, UserAttributeEvent>(
    deps.store,
    userAttributeStream(definitionId, userId),
    evolveUserAttribute,
    initialUserAttributeState,
    { latest: 1 },
  );

async function liveDefinition(deps: CommandDeps, applicationId: string, definitionId: string, field?: string): Promise<PresentDefinition> {
  const loaded = await loadScopedDefinition(deps, applicationId, definitionId);
  if (loaded.state.status !== 'present') throw notFound('attribute definition', field);
  return loaded.state;
}

async function assertCustomer(deps: CommandDeps, applicationId: string, userId: string): Promise<void> {
  const loaded = await loadCustomerStanding(deps, userId);
  if (loaded.state.status !== 'present' || loaded.state.application_id !== applicationId) throw notFound('user');
  if (loaded.state.archived) throw conflict('user_archived', 'user is archived: restore it before changing its attributes');
}

/**
 * Encrypted values are sealed here, before the event exists: the log and the read models only
 * ever hold ciphertext. The same clear value keeps its ciphertext, so re-sending it writes nothing.
 */
function seal(value: unknown, current: StoredUserAttribute | undefined, cipher: FieldCipher): string {
  const clear = JSON.stringify(value);
  if (current?.encrypted === true && typeof current.value === 'string' && cipher.decrypt(current.value) === clear) return current.value;
  return cipher.encrypt(clear);
}

/**
 * Creates or overwrites one user's values, all or none: every value is checked against its
 * definition before anything is written. One record per user and definition, which keeps its id.
 */
export async function setUserAttributes(
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  inputs: ValueInput[],
  cipher: FieldCipher,
): Promise<SetAttribute[]> {
  const applicationId = applicationOf(context);
  return runCommand(deps, context, async () => {
    await assertCustomer(deps, applicationId, userId);
    const appends: PlannedAppend[] = [];
    const result: SetAttribute[] = [];
    for (const input of inputs) {
      const definition = await liveDefinition(deps, applicationId, input.definition_id, input.definitionField);
      const normalized = normalizeAttributeValue(definition.definition, input.value, input.field);
      const loaded = await loadValue(deps, input.definition_id, userId);
      const current = loaded.state.status === 'present' ? loaded.state.attribute : undefined;
      const encrypted = definition.definition.encrypted;
      const events = decideUserAttribute(
        {
          type: 'SetUserAttribute',
          attribute: {
            attribute_id: input.attribute_id,
            application_id: applicationId,
            definition_id: input.definition_id,
            user_id: userId,
            value: encrypted ? seal(normalized, current, cipher) : normalized,
            encrypted,
            customer_overridden: false,
          },
          ...(input.customer_overridden === undefined ? {} : { customer_overridden: input.customer_overridden }),
        },
        loaded.state,
      );
      const after = events.reduce(evolveUserAttribute, loaded.state);
      if (after.status !== 'present') throw new Error('user attribute expected to exist after it was set');
      appends.push({ stream: userAttributeStream(input.definition_id, userId), expectedRevision: loaded.revision, events });
      result.push({ attribute: after.attribute, definition });
    }
    return { appends, result };
  });
}

/**
 * Deletes one user's values of the given definitions, all or none. `missing: 'fail'` makes an
 * absent value a 404 (one value named in the path); `'skip'` passes over it (a bulk delete).
 */
export async function deleteUserAttributes(
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  targets: Array<{ definition_id: string; field?: string }>,
  missing: 'fail' | 'skip',
): Promise<{ deleted: number }> {
  const applicationId = applicationOf(context);
  return runCommand(deps, context, async () => {
    const appends: PlannedAppend[] = [];
    for (const target of targets) {
      await liveDefinition(deps, applicationId, target.definition_id, target.field);
      const loaded = await loadValue(deps, target.definition_id, userId);
      if (loaded.state.status === 'absent' && missing === 'skip') continue;
      const events = decideUserAttribute({ type: 'DeleteUserAttribute', reason: 'deleted' }, loaded.state);
      appends.push({ stream: userAttributeStream(target.definition_id, userId), expectedRevision: loaded.revision, events });
    }
    return { appends, result: { deleted: appends.length } };
  });
}
