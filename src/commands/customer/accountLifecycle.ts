import type { CustomerEvent, SocialClient, SocialProvider } from '../../events/customerEvents.js';
import { conflict } from '../../shared/errors.js';
import type { CustomerState } from './decider.js';

type Present = Extract<CustomerState, { status: 'present' }>;
type LifecycleEvent = Extract<CustomerEvent, { type: 'UserSocialAccountLinked' | 'UserDeletionRequested' | 'UserDeletionCancelled' }>;

export interface SocialLink {
  provider: SocialProvider;
  subject: string;
}

export interface PendingDeletion {
  deletion_id: string;
  delete_on: string;
}

export type LifecycleCommand =
  | { type: 'LinkSocialAccount'; provider: SocialProvider; subject: string; client: SocialClient; matched_by: 'new_account' | 'verified_email' | 'signed_in' }
  | { type: 'RequestDeletion'; deletion_id: string; reason: string; reason_id: string; delete_on: string; confirmed_by: 'otp' | 'password' }
  | { type: 'CancelDeletion'; reason: string };

export const socialKey = (link: SocialLink): string => `${link.provider}:${link.subject}`;

export function evolveLifecycle(state: Present, event: LifecycleEvent): Present {
  switch (event.type) {
    case 'UserSocialAccountLinked': {
      const link = { provider: event.data.provider, subject: event.data.subject };
      return state.social_links.some((l) => socialKey(l) === socialKey(link)) ? state : { ...state, social_links: [...state.social_links, link] };
    }
    case 'UserDeletionRequested':
      return { ...state, deletion: { deletion_id: event.data.deletion_id, delete_on: event.data.delete_on } };
    case 'UserDeletionCancelled':
      return state.deletion?.deletion_id === event.data.deletion_id ? { ...state, deletion: null } : state;
  }
}

export function assertNoPendingDeletion(state: Pick<Present, 'deletion'>): void {
  if (state.deletion !== null) throw conflict('deletion_pending', `the account is already to be deleted on ${state.deletion.delete_on}`);
}

export function decideLifecycle(command: LifecycleCommand, state: Present): CustomerEvent[] {
  if (state.archived) throw conflict('user_archived', 'user is archived');
  switch (command.type) {
    case 'LinkSocialAccount': {
      const { type: _type, ...data } = command;
      return state.social_links.some((l) => socialKey(l) === socialKey(data)) ? [] : [{ type: 'UserSocialAccountLinked', data }];
    }
    case 'RequestDeletion': {
      assertNoPendingDeletion(state);
      const { type: _type, ...data } = command;
      return [{ type: 'UserDeletionRequested', data }];
    }
    case 'CancelDeletion':
      return state.deletion === null ? [] : [{ type: 'UserDeletionCancelled', data: { deletion_id: state.deletion.deletion_id, reason: command.reason } }];
  }
}
