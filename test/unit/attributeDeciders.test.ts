import { describe, it } from 'vitest';
import {
  decideDefinition,
  evolveDefinition,
  initialDefinitionState,
  type DefinitionCommand,
  type DefinitionState,
} from '../../src/commands/attributeDefinition/decider.js';
import { decideSlug, evolveSlug, initialSlugState, type SlugCommand, type SlugState } from '../../src/commands/attributeSlug/decider.js';
import {
  decideUserAttribute,
  evolveUserAttribute,
  initialUserAttributeState,
  type StoredUserAttribute,
  type UserAttributeCommand,
  type UserAttributeState,
} from '../../src/commands/userAttribute/decider.js';
import type { AttributeDefinitionEvent, AttributeDefinitionFields } from '../../src/events/attributeDefinitionEvents.js';
import type { AttributeSlugEvent } from '../../src/events/attributeSlugEvents.js';
import type { UserAttributeEvent } from '../../src/events/userAttributeEvents.js';
import { deciderSpec } from '../support/deciderSpec.js';

const definitionSpec = deciderSpec<DefinitionState, DefinitionCommand, AttributeDefinitionEvent>({
  decide: decideDefinition,
  evolve: evolveDefinition,
  initial: initialDefinitionState,
});

const tier: AttributeDefinitionFields = {
  name: 'Tier',
  slug: 'tier',
  description: '',
  type: 'string',
  is_multi_value: false,
  customer_editable: false,
  encrypted: false,
  pinned: false,
  validations: [{ type: 'enum', value: ['gold', 'silver'] }],
  is_locked: false,
  ordering_channels: [],
};
const scope = { definition_id: 'd1', application_id: 'app1' };
const created: AttributeDefinitionEvent = { type: 'AttributeDefinitionCreated', data: { ...scope, company_id: '559', definition: tier } };
const locked: AttributeDefinitionEvent = {
  type: 'AttributeDefinitionUpdated',
  data: { ...scope, definition: { ...tier, is_locked: true }, changed: ['is_locked'] },
};
const deleted: AttributeDefinitionEvent = { type: 'AttributeDefinitionDeleted', data: { ...scope, slug: 'tier', values_deleted: 0 } };
const update = (changes: Extract<DefinitionCommand, { type: 'UpdateDefinition' }>['changes'], valuesExist = false): DefinitionCommand => ({
  type: 'UpdateDefinition',
  changes,
  valuesExist,
});

describe('attribute definition decider', () => {
  it('creates a definition, its rules in normal form', () => {
    definitionSpec([])
      .when({ type: 'CreateDefinition', ...scope, company_id: '559', definition: { ...tier, validations: [{ type: 'enum', value: ['gold', 'silver'] }] } })
      .then([created]);
  });

  it('refuses a definition whose default breaks its own rules', () => {
    definitionSpec([])
      .when({ type: 'CreateDefinition', ...scope, company_id: '559', definition: { ...tier, default_value: 'bronze' } })
      .thenFails('validation', 'invalid_input');
  });

  it('refuses to create the same definition twice', () => {
    definitionSpec([created]).when({ type: 'CreateDefinition', ...scope, company_id: '559', definition: tier }).thenFails('conflict', 'definition_exists');
  });

  it('records the whole definition and which fields changed', () => {
    definitionSpec([created])
      .when(update({ name: 'Loyalty tier', pinned: true }))
      .then([
        {
          type: 'AttributeDefinitionUpdated',
          data: { ...scope, definition: { ...tier, name: 'Loyalty tier', pinned: true }, changed: ['name', 'pinned'] },
        },
      ]);
  });

  it('an update that changes nothing writes nothing', () => {
    definitionSpec([created]).when(update({ name: 'Tier', type: 'string' })).then([]);
  });

  it('checks the merged definition: new rules must fit the existing default', () => {
    const withDefault: AttributeDefinitionEvent = {
      type: 'AttributeDefinitionCreated',
      data: { ...scope, company_id: '559', definition: { ...tier, default_value: 'gold' } },
    };
    definitionSpec([withDefault]).when(update({ validations: [{ type: 'enum', value: ['silver'] }] })).thenFails('validation');
    definitionSpec([withDefault])
      .when(update({ default_value: null }))
      .then([{ type: 'AttributeDefinitionUpdated', data: { ...scope, definition: tier, changed: ['default_value'] } }]);
  });

  it('lets the slug, type and encryption change only while no user has a value', () => {
    definitionSpec([created])
      .when(update({ slug: 'level' }))
      .then([{ type: 'AttributeDefinitionUpdated', data: { ...scope, definition: { ...tier, slug: 'level' }, changed: ['slug'] } }]);
    definitionSpec([created]).when(update({ slug: 'level' }, true)).thenFails('conflict', 'slug_immutable');
    definitionSpec([created]).when(update({ encrypted: true }, true)).thenFails('conflict', 'definition_in_use');
    definitionSpec([created]).when(update({ is_multi_value: true }, true)).thenFails('conflict', 'definition_in_use');
    definitionSpec([created]).when(update({ type: 'email', validations: [] }, true)).thenFails('conflict', 'definition_in_use');
    definitionSpec([created])
      .when(update({ description: 'members only' }, true))
      .then([{ type: 'AttributeDefinitionUpdated', data: { ...scope, definition: { ...tier, description: 'members only' }, changed: ['description'] } }]);
  });

  it('a locked definition can be neither changed nor deleted', () => {
    definitionSpec([created]).when(update({ is_locked: true })).then([locked]);
    definitionSpec([created, locked]).when(update({ name: 'x' })).thenFails('conflict', 'definition_locked');
    definitionSpec([created, locked]).when(update({ is_locked: false })).thenFails('conflict', 'definition_locked');
    definitionSpec([created, locked]).when({ type: 'DeleteDefinition', valuesDeleted: 0 }).thenFails('conflict', 'definition_locked');
  });

  it('deletes with the slug and the number of values in the event', () => {
    definitionSpec([created])
      .when({ type: 'DeleteDefinition', valuesDeleted: 3 })
      .then([{ type: 'AttributeDefinitionDeleted', data: { ...scope, slug: 'tier', values_deleted: 3 } }]);
  });

  it('a deleted or unknown definition is not found', () => {
    definitionSpec([created, deleted]).when(update({ name: 'x' })).thenFails('not_found');
    definitionSpec([created, deleted]).when({ type: 'DeleteDefinition', valuesDeleted: 0 }).thenFails('not_found');
    definitionSpec([]).when({ type: 'DeleteDefinition', valuesDeleted: 0 }).thenFails('not_found');
  });
});

const slugSpec = deciderSpec<SlugState, SlugCommand, AttributeSlugEvent>({
  decide: decideSlug,
  evolve: (s, e) => evolveSlug(s, e, '2026-01-01T00:00:00.000Z'),
  initial: initialSlugState,
});
const claim = (definition_id: string, staleHolder = false): SlugCommand => ({
  type: 'ClaimSlug',
  application_id: 'app1',
  slug: 'tier',
  definition_id,
  staleHolder,
});
const claimed = (definition_id: string): AttributeSlugEvent => ({ type: 'AttributeSlugClaimed', data: { application_id: 'app1', definition_id } });
const released = (definition_id: string): AttributeSlugEvent => ({ type: 'AttributeSlugReleased', data: { application_id: 'app1', definition_id } });

describe('attribute slug reservation decider', () => {
  it('a free slug can be claimed', () => slugSpec([]).when(claim('d1')).then([claimed('d1')]));
  it('claiming what you hold changes nothing', () => slugSpec([claimed('d1')]).when(claim('d1')).then([]));
  it('a slug held by another definition is refused', () => slugSpec([claimed('d1')]).when(claim('d2')).thenFails('conflict', 'slug_taken'));
  it('a released slug can be claimed again', () => slugSpec([claimed('d1'), released('d1')]).when(claim('d2')).then([claimed('d2')]));
  it('a stale claim can be taken over', () => slugSpec([claimed('d1')]).when(claim('d2', true)).then([claimed('d2')]));
  it('only the holder releases', () => {
    slugSpec([claimed('d1')]).when({ type: 'ReleaseSlug', application_id: 'app1', definition_id: 'd2' }).then([]);
    slugSpec([claimed('d1')]).when({ type: 'ReleaseSlug', application_id: 'app1', definition_id: 'd1' }).then([released('d1')]);
  });
});

const valueSpec = deciderSpec<UserAttributeState, UserAttributeCommand, UserAttributeEvent>({
  decide: decideUserAttribute,
  evolve: evolveUserAttribute,
  initial: initialUserAttributeState,
});
const stored = (attribute_id: string, value: unknown, extra: Partial<StoredUserAttribute> = {}): StoredUserAttribute => ({
  attribute_id,
  application_id: 'app1',
  definition_id: 'd1',
  user_id: 'u1',
  value,
  encrypted: false,
  customer_overridden: false,
  ...extra,
});
const set = (attribute: StoredUserAttribute): UserAttributeEvent => ({ type: 'UserAttributeSet', data: attribute });
const identity = { attribute_id: 'a1', application_id: 'app1', definition_id: 'd1', user_id: 'u1' };

describe('user attribute decider', () => {
  it('creates the record with the given id', () => {
    valueSpec([]).when({ type: 'SetUserAttribute', attribute: stored('a1', 'gold') }).then([set(stored('a1', 'gold'))]);
  });

  it('a second set updates the same record: the id stays', () => {
    valueSpec([set(stored('a1', 'gold'))])
      .when({ type: 'SetUserAttribute', attribute: stored('a2', 'silver') })
      .then([set(stored('a1', 'silver'))]);
  });

  it('setting the same value again writes nothing', () => {
    valueSpec([set(stored('a1', ['x', 'y']))]).when({ type: 'SetUserAttribute', attribute: stored('a9', ['x', 'y']) }).then([]);
  });

  it('keeps the override flag unless told otherwise', () => {
    valueSpec([set(stored('a1', 'gold', { customer_overridden: true }))])
      .when({ type: 'SetUserAttribute', attribute: stored('a2', 'silver') })
      .then([set(stored('a1', 'silver', { customer_overridden: true }))]);
    valueSpec([set(stored('a1', 'gold', { customer_overridden: true }))])
      .when({ type: 'SetUserAttribute', attribute: stored('a2', 'gold'), customer_overridden: false })
      .then([set(stored('a1', 'gold'))]);
  });

  it('deletes with the reason, and a deleted value is not found', () => {
    valueSpec([set(stored('a1', 'gold'))])
      .when({ type: 'DeleteUserAttribute', reason: 'deleted' })
      .then([{ type: 'UserAttributeDeleted', data: { ...identity, reason: 'deleted' } }]);
    valueSpec([set(stored('a1', 'gold')), { type: 'UserAttributeDeleted', data: { ...identity, reason: 'deleted' } }])
      .when({ type: 'DeleteUserAttribute', reason: 'deleted' })
      .thenFails('not_found');
    valueSpec([]).when({ type: 'DeleteUserAttribute', reason: 'definition_deleted' }).thenFails('not_found');
  });

  it('after a deletion, a new value is a new record', () => {
    valueSpec([set(stored('a1', 'gold')), { type: 'UserAttributeDeleted', data: { ...identity, reason: 'deleted' } }])
      .when({ type: 'SetUserAttribute', attribute: stored('a2', 'gold') })
      .then([set(stored('a2', 'gold'))]);
  });
});
