import type { AccessEvent } from '../../events/accessEvents.js';
import { ACCESS_STREAM_PREFIXES } from '../../events/accessEvents.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { CredentialView } from '../readStore.js';

export const accessStreamPrefixes = ACCESS_STREAM_PREFIXES;

export type AccessWrite = { table: 'platform_clients' | 'applications'; view: CredentialView };

/** Each access event sets one credential row whole, so applying it twice changes nothing. */
export function accessWriteOf(stored: StoredEvent): AccessWrite | null {
  const event = { type: stored.type, data: stored.data } as AccessEvent;
  switch (event.type) {
    case 'PlatformClientRegistered':
    case 'PlatformClientSecretRotated':
      return {
        table: 'platform_clients',
        view: { id: event.data.client_id, company_id: event.data.company_id, secret_hash: event.data.secret_hash },
      };
    case 'ApplicationRegistered':
    case 'ApplicationTokenRotated':
      return {
        table: 'applications',
        view: { id: event.data.application_id, company_id: event.data.company_id, secret_hash: event.data.token_hash },
      };
    default:
      return null;
  }
}
