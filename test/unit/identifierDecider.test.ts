import { describe, it } from 'vitest';
import { decideIdentifier, initialIdentifierState, type IdentifierCommand, type IdentifierState } from '../../src/commands/identifier/decider.js';
import type { IdentifierEvent } from '../../src/events/identifierEvents.js';
import { evolveIdentifier } from '../../src/commands/identifier/decider.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec<IdentifierState, IdentifierCommand, IdentifierEvent>({
  decide: decideIdentifier,
  evolve: (s, e) => evolveIdentifier(s, e, '2026-01-01T00:00:00.000Z'),
  initial: initialIdentifierState,
});
const base = { application_id: 'app1', kind: 'email' as const };
const claim = (user_id: string, staleHolder = false): IdentifierCommand => ({
  type: 'ClaimIdentifier', ...base, user_id, now: '2026-01-01T00:00:00.000Z', staleHolder,
});
const claimed = (user_id: string): IdentifierEvent => ({ type: 'IdentifierClaimed', data: { ...base, user_id } });
const released = (user_id: string): IdentifierEvent => ({ type: 'IdentifierReleased', data: { ...base, user_id } });

describe('identifier reservation decider', () => {
  it('a free identifier can be claimed', () => spec([]).when(claim('u1')).then([claimed('u1')]));
  it('claiming what you hold changes nothing', () => spec([claimed('u1')]).when(claim('u1')).then([]));
  it('an identifier held by another customer is refused', () =>
    spec([claimed('u1')]).when(claim('u2')).thenFails('conflict', 'email_taken'));
  it('a released identifier can be claimed by another customer', () =>
    spec([claimed('u1'), released('u1')]).when(claim('u2')).then([claimed('u2')]));
  it('a stale claim (holder no longer uses it) can be taken over', () =>
    spec([claimed('u1')]).when(claim('u2', true)).then([claimed('u2')]));
  it('only the holder releases', () => {
    spec([claimed('u1')]).when({ type: 'ReleaseIdentifier', ...base, user_id: 'u2' }).then([]);
    spec([claimed('u1')]).when({ type: 'ReleaseIdentifier', ...base, user_id: 'u1' }).then([released('u1')]);
  });
});
