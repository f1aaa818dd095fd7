import { attributeDefinitionStream, type AttributeDefinitionEvent } from '../../events/attributeDefinitionEvents.js';
import { attributeSlugStream, type AttributeSlugEvent } from '../../events/attributeSlugEvents.js';
import { userAttributeStream } from '../../events/userAttributeEvents.js';
import type { UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import { notFound } from '../../shared/errors.js';
import { decideSlug, evolveSlug, initialSlugState, type SlugState } from '../attributeSlug/decider.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps, type PlannedAppend } from '../commandRunner.js';
import { decideUserAttribute } from '../userAttribute/decider.js';
import {
  decideDefinition,
  evolveDefinition,
  initialDefinitionState,
  type DefinitionChanges,
  type DefinitionCommand,
  type DefinitionState,
} from './decider.js';
import type { DefinitionInput } from './definitionRules.js';

/** A claim older than this whose holder does not use the slug is a leftover of a crash. */
const STALE_CLAIM_MS = 60_000;

export type PresentDefinition = Extract<DefinitionState, { status: 'present' | 'deleted' }>;

export function applicationOf(context: CommandContext): string {
  const applicationId = context.metadata.application_id;
  if (applicationId === undefined) throw new Error('attribute commands need an application scope');
  return applicationId;
}

export const loadDefinition = (deps: CommandDeps, definitionId: string) =>
  loadStream<DefinitionState, AttributeDefinitionEvent>(deps.store, attributeDefinitionStream(definitionId), evolveDefinition, initialDefinitionState);

/** The definition as this application sees it: one of another application does not exist. */
export async function loadScopedDefinition(deps: CommandDeps, applicationId: string, definitionId: string) {
  const loaded = await loadDefinition(deps, definitionId);
  if (loaded.state.status !== 'absent' && loaded.state.application_id !== applicationId) return { ...loaded, state: initialDefinitionState() };
  return loaded;
}

async function planSlug(
  deps: CommandDeps,
  applicationId: string,
  slug: string,
  definitionId: string,
  action: 'claim' | 'release',
): Promise<PlannedAppend> {
  const stream = attributeSlugStream(applicationId, slug);
  const loaded = await loadStream<SlugState, AttributeSlugEvent>(deps.store, stream, evolveSlug, initialSlugState);
  const events =
    action === 'release'
      ? decideSlug({ type: 'ReleaseSlug', application_id: applicationId, definition_id: definitionId }, loaded.state)
      : decideSlug(
          {
            type: 'ClaimSlug',
            application_id: applicationId,
            slug,
            definition_id: definitionId,
            staleHolder: await isStaleClaim(deps, loaded.state, slug),
          },
          loaded.state,
        );
  return { stream, expectedRevision: loaded.revision, events };
}

async function isStaleClaim(deps: CommandDeps, state: SlugState, slug: string): Promise<boolean> {
  if (state.holder === null) return false;
  if (deps.clock.now().getTime() - new Date(state.since).getTime() < STALE_CLAIM_MS) return false;
  const holder = await loadDefinition(deps, state.holder);
  return holder.state.status !== 'present' || holder.state.definition.slug !== slug;
}

function present(state: DefinitionState): PresentDefinition {
  if (state.status === 'absent') throw new Error('definition expected to exist after a successful command');
  return state;
}

export async function createAttributeDefinition(
  deps: CommandDeps,
  context: CommandContext,
  input: { definition_id: string; company_id: string; definition: DefinitionInput },
): Promise<PresentDefinition> {
  const applicationId = applicationOf(context);
  return runCommand(deps, context, async () => {
    const loaded = await loadDefinition(deps, input.definition_id);
    const command: DefinitionCommand = { type: 'CreateDefinition', ...input, application_id: applicationId };
    const events = decideDefinition(command, loaded.state);
    const after = present(events.reduce(evolveDefinition, loaded.state));
    const claim = await planSlug(deps, applicationId, after.definition.slug, input.definition_id, 'claim');
    const append = { stream: attributeDefinitionStream(input.definition_id), expectedRevision: loaded.revision, events };
    return { appends: [claim, append], result: after };
  });
}

/** A new slug is claimed first and the old one released last (see README: all or nothing). */
export async function updateAttributeDefinition(
  deps: CommandDeps,
  context: CommandContext,
  definitionId: string,
  changes: DefinitionChanges,
  values: Pick<UserAttributesReadModel, 'hasValues'>,
): Promise<PresentDefinition> {
  const applicationId = applicationOf(context);
  return runCommand(deps, context, async () => {
    const loaded = await loadScopedDefinition(deps, applicationId, definitionId);
    const valuesExist = loaded.state.status === 'present' && (await values.hasValues(applicationId, definitionId));
    const events = decideDefinition({ type: 'UpdateDefinition', changes, valuesExist }, loaded.state);
    const before = present(loaded.state);
    const after = present(events.reduce(evolveDefinition, loaded.state));
    const append = { stream: attributeDefinitionStream(definitionId), expectedRevision: loaded.revision, events };
    if (after.definition.slug === before.definition.slug) return { appends: [append], result: after };
    const claim = await planSlug(deps, applicationId, after.definition.slug, definitionId, 'claim');
    const release = await planSlug(deps, applicationId, before.definition.slug, definitionId, 'release');
    return { appends: [claim, append, release], result: after };
  });
}

/**
 * Deletes the definition, each of its values with an event of its own (the audit trail shows
 * them go), and frees the slug. Values come from the read model with their revisions: one
 * written meanwhile fails the append, and the retry sees it.
 */
export async function deleteAttributeDefinition(
  deps: CommandDeps,
  context: CommandContext,
  definitionId: string,
  values: Pick<UserAttributesReadModel, 'ofDefinition'>,
): Promise<{ values_deleted: number }> {
  const applicationId = applicationOf(context);
  return runCommand(deps, context, async () => {
    const loaded = await loadScopedDefinition(deps, applicationId, definitionId);
    if (loaded.state.status !== 'present') throw notFound('attribute definition');
    const held = await values.ofDefinition(applicationId, definitionId);
    const events = decideDefinition({ type: 'DeleteDefinition', valuesDeleted: held.length }, loaded.state);
    const valueAppends = held.map((value) => ({
      stream: userAttributeStream(value.definition_id, value.user_id),
      expectedRevision: value.revision,
      events: decideUserAttribute({ type: 'DeleteUserAttribute', reason: 'definition_deleted' }, { status: 'present', attribute: value }),
    }));
    const release = await planSlug(deps, applicationId, loaded.state.definition.slug, definitionId, 'release');
    const append = { stream: attributeDefinitionStream(definitionId), expectedRevision: loaded.revision, events };
    return { appends: [append, ...valueAppends, release], result: { values_deleted: held.length } };
  });
}
