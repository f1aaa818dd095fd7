import type { CustomerEvent, EmailEntry, PhoneEntry } from '../../events/customerEvents.js';
import type { IdentifierKind } from '../../events/identifierEvents.js';
import { conflict, notFound } from '../../shared/errors.js';
import { applyContactEvent, decideContactChange, type ContactCommand } from './contactChanges.js';
import { decideCredentials, evolveCredentials, type CredentialCommand } from './credentials.js';
import { decideLifecycle, evolveLifecycle, socialKey, type LifecycleCommand, type PendingDeletion, type SocialLink } from './accountLifecycle.js';

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
      social_links: SocialLink[];
      /** Set from a shopper's delete request until the account is archived or the request cancelled. */
      deletion: PendingDeletion | null;
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
  /** A first sign-in with a provider: the customer and the provider link in one append, so both claims are made together. */
  | { type: 'CreateSocialCustomer'; data: Created; link: Extract<CustomerEvent, { type: 'UserSocialAccountLinked' }>['data'] }
  | CredentialCommand
  | ContactCommand
  | LifecycleCommand;

export const initialCustomerState = (): CustomerState => ({ status: 'absent' });

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  if (event.type === 'UserCreated') {
    return { status: 'present', profile: event.data, blocked: false, archived: false, password_hashes: [], social_links: [], deletion: null };
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
      // Archiving ends any deletion in waiting: it has happened, or a merchant did it first.
      return { ...state, archived: true, deletion: null };
    case 'UserRestored':
      return { ...state, archived: false };
    case 'UserSocialAccountLinked':
    case 'UserDeletionRequested':
    case 'UserDeletionCancelled':
      return evolveLifecycle(state, event);
    case 'UserErased':
      return { ...state, erased: true };
    case 'UserPasswordSet':
    case 'UserLoginFailed':
    case 'UserLockedOut':
    case 'UserContactVerified':
      return evolveCredentials(state, event);
    case 'UserContactAdded':
    case 'UserContactRemoved':
    case 'UserPrimaryContactSet':
      return { ...state, profile: applyContactEvent(state.profile, event) };
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
  if (command.type === 'CreateCustomer' || command.type === 'RegisterCustomer' || command.type === 'CreateSocialCustomer') {
    if (state.status === 'present') throw conflict('user_exists', `user ${command.data.user_id} already exists`);
    const created: CustomerEvent = { type: 'UserCreated', data: command.data };
    if (command.type === 'CreateCustomer') return [created];
    if (command.type === 'CreateSocialCustomer') return [created, { type: 'UserSocialAccountLinked', data: command.link }];
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
    case 'AddContact':
    case 'RemoveContact':
    case 'SetPrimaryContact':
      return decideContactChange(command, state);
    case 'LinkSocialAccount':
    case 'RequestDeletion':
    case 'CancelDeletion':
      return decideLifecycle(command, state);
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
    ...state.social_links.map((link) => ({ kind: 'social' as const, value: socialKey(link) })),
  ];
}
