import type { AccessEvent } from '../../events/accessEvents.js';
import { conflict } from '../../shared/errors.js';

/** A platform client or a sales channel: who may call, for which company, with which secret. */
export type CredentialState =
  | { status: 'absent' }
  | { status: 'present'; company_id: string; secret_hash: string };

export type CredentialCommand = {
  type: 'RegisterCredential';
  company_id: string;
  secret_hash: string;
  /** Whether the stored hash already verifies the presented secret (the handler checks; hashing is I/O-heavy). */
  secretAlreadyMatches: boolean;
};

export const initialCredentialState = (): CredentialState => ({ status: 'absent' });

export function evolveCredential(state: CredentialState, event: AccessEvent): CredentialState {
  switch (event.type) {
    case 'PlatformClientRegistered':
      return { status: 'present', company_id: event.data.company_id, secret_hash: event.data.secret_hash };
    case 'ApplicationRegistered':
      return { status: 'present', company_id: event.data.company_id, secret_hash: event.data.token_hash };
    case 'PlatformClientSecretRotated':
      return state.status === 'present' ? { ...state, secret_hash: event.data.secret_hash } : state;
    case 'ApplicationTokenRotated':
      return state.status === 'present' ? { ...state, secret_hash: event.data.token_hash } : state;
  }
}

export function decidePlatformClient(clientId: string, command: CredentialCommand, state: CredentialState): AccessEvent[] {
  const { company_id, secret_hash } = command;
  if (state.status === 'absent') {
    return [{ type: 'PlatformClientRegistered', data: { client_id: clientId, company_id, secret_hash } }];
  }
  if (state.company_id !== company_id) throw conflict('client_exists', `client ${clientId} belongs to another company`);
  if (command.secretAlreadyMatches) return [];
  return [{ type: 'PlatformClientSecretRotated', data: { client_id: clientId, company_id, secret_hash } }];
}

export function decideApplication(applicationId: string, command: CredentialCommand, state: CredentialState): AccessEvent[] {
  const { company_id, secret_hash } = command;
  if (state.status === 'absent') {
    return [{ type: 'ApplicationRegistered', data: { application_id: applicationId, company_id, token_hash: secret_hash } }];
  }
  if (state.company_id !== company_id) {
    throw conflict('application_exists', `application ${applicationId} belongs to another company`);
  }
  if (command.secretAlreadyMatches) return [];
  return [{ type: 'ApplicationTokenRotated', data: { application_id: applicationId, company_id, token_hash: secret_hash } }];
}
