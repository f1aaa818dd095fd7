import type { CustomerEvent, EmailEntry, PhoneEntry } from '../../events/customerEvents.js';
import type { IdentifierKind } from '../../events/identifierEvents.js';
import { conflict, notFound } from '../../shared/errors.js';
import { decideCredentials, evolveCredentials, type CredentialCommand } from './credentials.js';

type Created = Extract<CustomerEvent, { type: 'UserCreated' }>['data'];
type Changes = Extract<CustomerEvent, { type: 'UserUpdated' }>['data'];
type Reason = { reason: string; reason_id?: string };

export type CustomerProfile = Created;

export type CustomerState =
  | { status: 'absent' }
  | {
      status: 'present';
      profile: CustomerProfile;
      blocked: boolean;
      archived: boolean;
      /** Erased for good: holds nothing, and no command changes it any more. */
      erased?: boolean;
      /** PHC strings, newest first: the current password and enough history for reuse checks. */
      password_hashes: string[];
    };

export type CustomerCommand =
  | { type: 'CreateCustomer'; data: Created }
  | { type: 'UpdateCustomer'; data: Changes }
  | { type: 'BlockCustomer'; data: Reason }
  | { type: 'UnblockCustomer'; data: Reason }
  | { type: 'ArchiveCustomer'; data: Partial<Reason> }
  | { type: 'RestoreCustomer'; data: Reason }
  | { type: 'EraseCustomer'; data: Reason }
  | { type: 'RegisterCustomer'; data: Created; password_hash: string }
  | CredentialCommand;

export const initialCustomerState = (): CustomerState => ({ status: 'absent' });

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  if (event.type === 'UserCreated') {
    return { status: 'present', profile: event.data, blocked: false, archived: false, password_hashes: [] };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'UserUpdated':
      return { ...state, profile: applyChanges(state.profile, event.data) };
    case 'UserBlocked':
      return { ...state, blocked: true };
    case 'UserUnblocked':
      return { ...state, blocked: false };
    case 'UserArchived':
      return { ...state, archived: true };
    case 'UserRestored':
      return { ...state, archived: false };
    case 'UserErased':
      return { ...state, erased: true };
    case 'UserPasswordSet':
    case 'UserLoginFailed':
    case 'UserLockedOut':
    case 'UserContactVerified':
      return evolveCredentials(state, event);
    default: {
      const unknownEvent: never = event;
      return unknownEvent;
    }
  }
}

export function applyChanges(profile: CustomerProfile, changes: Changes): CustomerProfile {
  const next = { ...profile };
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  return next;
}

export function decideCustomer(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  if (command.type === 'CreateCustomer' || command.type === 'RegisterCustomer') {
    if (state.status === 'present') throw conflict('user_exists', `user ${command.data.user_id} already exists`);
    const created: CustomerEvent = { type: 'UserCreated', data: command.data };
    if (command.type === 'CreateCustomer') return [created];
    return [created, { type: 'UserPasswordSet', data: { password_hash: command.password_hash, reason: 'registration' } }];
  }
  if (state.status === 'absent') throw notFound('user');
  if (state.erased === true) {
    if (command.type === 'EraseCustomer') return [];
    throw conflict('user_erased', 'user was erased and can no longer be changed');
  }
  switch (command.type) {
    case 'UpdateCustomer': {
      if (state.archived) throw conflict('user_archived', 'user is archived: restore it before editing');
      const changes = changedFields(state.profile, command.data);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'UserUpdated', data: changes }];
    }
    case 'BlockCustomer':
      return state.blocked ? [] : [{ type: 'UserBlocked', data: command.data }];
    case 'UnblockCustomer':
      return state.blocked ? [{ type: 'UserUnblocked', data: command.data }] : [];
    case 'ArchiveCustomer':
      return state.archived ? [] : [{ type: 'UserArchived', data: command.data }];
    case 'RestoreCustomer':
      if (!state.archived) throw conflict('user_not_archived', 'user is not archived');
      return [{ type: 'UserRestored', data: command.data }];
    case 'EraseCustomer':
      return [{ type: 'UserErased', data: command.data }];
    case 'SetPassword':
    case 'RecordLoginFailure':
    case 'VerifyContact':
      return decideCredentials(command, state);
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}

function changedFields(profile: CustomerProfile, changes: Changes): Changes {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const current = (profile as Record<string, unknown>)[key];
    if (JSON.stringify(current) !== JSON.stringify(value)) result[key] = value;
  }
  return result as Changes;
}

export interface Identifier {
  kind: IdentifierKind;
  value: string;
}

export const phoneKey = (entry: Pick<PhoneEntry, 'country_code' | 'phone'>): string => `${entry.country_code}${entry.phone}`;
export const emailKey = (entry: Pick<EmailEntry, 'email'>): string => entry.email.toLowerCase();

/** What a customer in this state holds: nothing once archived or erased, which is how both free them. */
export function identifiersOf(state: CustomerState): Identifier[] {
  if (state.status === 'absent' || state.archived || state.erased === true) return [];
  const { profile } = state;
  return [
    ...profile.emails.map((e) => ({ kind: 'email' as const, value: emailKey(e) })),
    ...profile.phone_numbers.map((p) => ({ kind: 'phone' as const, value: phoneKey(p) })),
    { kind: 'username' as const, value: profile.username.toLowerCase() },
  ];
}
