import type { CustomerEvent, PasswordReason } from '../../events/customerEvents.js';
import { conflict, invalid, notFound } from '../../shared/errors.js';
import { applyContactEvent } from './contactChanges.js';
import type { CustomerState } from './decider.js';

type Present = Extract<CustomerState, { status: 'present' }>;
type CredentialEvent = Extract<CustomerEvent, { type: 'UserPasswordSet' | 'UserLoginFailed' | 'UserLockedOut' | 'UserContactVerified' }>;
export type VerifiedContact = Extract<CredentialEvent, { type: 'UserContactVerified' }>['data'];

/** How many hashes the state keeps: the current one and the longest history a config may ask for (24). */
const KEPT_HASHES = 25;

export type CredentialCommand =
  | {
      type: 'SetPassword';
      password_hash: string;
      reason: Exclude<PasswordReason, 'registration'>;
      /** The handler's finding (argon2 is I/O, not for a decider) that the new password is one of the recent ones. */
      reuses_recent_password: boolean;
      history_count: number;
    }
  | {
      type: 'RecordLoginFailure';
      attempt: number;
      method: 'password' | 'old_password';
      reason: 'wrong_password' | 'account_locked';
      ip: string;
      /** Set when this failure is the one that locked the account (the attempt counter decides, atomically). */
      locked_until?: string;
    }
  | { type: 'VerifyContact'; contact: VerifiedContact };

export function evolveCredentials(state: Present, event: CredentialEvent): Present {
  switch (event.type) {
    case 'UserPasswordSet':
      return { ...state, password_hashes: [event.data.password_hash, ...state.password_hashes].slice(0, KEPT_HASHES) };
    case 'UserContactVerified':
      return { ...state, profile: applyContactEvent(state.profile, event) };
    case 'UserLoginFailed':
    case 'UserLockedOut':
      // Audit only: the attempt counter, not the stream, decides whether the account is locked.
      return state;
  }
}

/** The password hashes a new password may not match: the current one and `historyCount` before it. */
export function recentPasswordHashes(state: CustomerState, historyCount: number): string[] {
  if (state.status !== 'present') return [];
  return state.password_hashes.slice(0, historyCount + 1);
}

export const currentPasswordHash = (state: CustomerState): string | undefined =>
  state.status === 'present' ? state.password_hashes[0] : undefined;

export function decideCredentials(command: CredentialCommand, state: Present): CustomerEvent[] {
  switch (command.type) {
    case 'SetPassword':
      if (state.archived) throw conflict('user_archived', 'user is archived');
      if (command.reuses_recent_password) {
        const which = command.history_count === 0 ? 'your current password' : `one of your last ${command.history_count + 1} passwords`;
        throw invalid('new_password', `must not be ${which}`);
      }
      return [{ type: 'UserPasswordSet', data: { password_hash: command.password_hash, reason: command.reason } }];
    case 'RecordLoginFailure': {
      const { attempt, method, reason, ip, locked_until } = command;
      const user_id = state.profile.user_id;
      const failed: CustomerEvent = { type: 'UserLoginFailed', data: { user_id, attempt, method, reason, ip } };
      return locked_until === undefined ? [failed] : [failed, { type: 'UserLockedOut', data: { user_id, until: locked_until, attempts: attempt } }];
    }
    case 'VerifyContact': {
      const contact = command.contact;
      const entry =
        contact.kind === 'email'
          ? state.profile.emails.find((e) => e.email.toLowerCase() === contact.email.toLowerCase())
          : state.profile.phone_numbers.find((p) => p.phone === contact.phone && p.country_code === contact.country_code);
      if (entry === undefined) throw notFound(contact.kind === 'email' ? 'email' : 'phone number');
      return entry.verified ? [] : [{ type: 'UserContactVerified', data: contact }];
    }
  }
}
