import { identifierStream, type IdentifierEvent } from '../../events/identifierEvents.js';
import { DomainError } from '../../shared/errors.js';
import { loadStream, type CommandDeps } from '../commandRunner.js';
import { parsePhone } from '../customer/contact.js';
import { emailKey, identifiersOf, phoneKey, type Identifier } from '../customer/decider.js';
import { loadCustomer, type PresentCustomer } from '../customer/handlers.js';
import { evolveIdentifier, initialIdentifierState, type IdentifierState } from '../identifier/decider.js';

export interface Account {
  user_id: string;
  state: PresentCustomer;
}

/**
 * The ways a shopper may name their account when signing in: an email, a phone number (with
 * or without its calling code) or a username, tried in that order.
 */
export function candidateIdentifiers(input: string, defaultCountryCode: number): Identifier[] {
  const value = input.trim();
  const candidates: Identifier[] = [];
  if (value.includes('@')) candidates.push({ kind: 'email', value: emailKey({ email: value }) });
  if (/^\+?[\d\s\-()]{4,20}$/.test(value)) {
    try {
      candidates.push({ kind: 'phone', value: phoneKey(parsePhone('username', value, defaultCountryCode)) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  candidates.push({ kind: 'username', value: value.toLowerCase() });
  return candidates;
}

export const emailIdentifier = (email: string): Identifier => ({ kind: 'email', value: emailKey({ email: email.trim() }) });
export const phoneIdentifier = (phone: { phone: string; country_code: number }): Identifier => ({ kind: 'phone', value: phoneKey(phone) });

/**
 * The account holding an identifier, read from the write side (the identifier's reservation
 * stream and the customer's own), so a sign-in right after registration never misses it.
 * Archived customers hold nothing, so they are not found.
 */
export async function accountHolding(deps: CommandDeps, applicationId: string, identifier: Identifier): Promise<Account | null> {
  const reservation = await loadStream<IdentifierState, IdentifierEvent>(
    deps.store,
    identifierStream(applicationId, identifier.kind, identifier.value),
    evolveIdentifier,
    initialIdentifierState,
  );
  const holder = reservation.state.holder;
  if (holder === null) return null;
  const { state } = await loadCustomer(deps, holder);
  if (state.status !== 'present' || state.profile.application_id !== applicationId) return null;
  // A claim left behind by a crash is not an account.
  if (!identifiersOf(state).some((i) => i.kind === identifier.kind && i.value === identifier.value)) return null;
  return { user_id: holder, state };
}

export async function findAccount(deps: CommandDeps, applicationId: string, identifiers: Identifier[]): Promise<Account | null> {
  for (const identifier of identifiers) {
    const account = await accountHolding(deps, applicationId, identifier);
    if (account !== null) return account;
  }
  return null;
}

export async function accountById(deps: CommandDeps, applicationId: string, userId: string): Promise<Account | null> {
  const { state } = await loadCustomer(deps, userId);
  if (state.status !== 'present' || state.profile.application_id !== applicationId || state.archived) return null;
  return { user_id: userId, state };
}
