import { applicationStream, platformClientStream, type AccessEvent } from '../../events/accessEvents.js';
import { hashSecret, verifySecret } from '../../shared/secrets.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps } from '../commandRunner.js';
import {
  decideApplication,
  decidePlatformClient,
  evolveCredential,
  initialCredentialState,
  type CredentialState,
} from './decider.js';

interface Registration {
  id: string;
  company_id: string;
  secret: string;
}

async function register(
  deps: CommandDeps,
  context: CommandContext,
  stream: string,
  registration: Registration,
  decide: typeof decidePlatformClient,
): Promise<{ changed: boolean }> {
  // Hashed at most once, outside the retry loop, and only when needed: argon2 is deliberately slow.
  let freshHash: string | undefined;
  return runCommand(deps, context, async () => {
    const loaded = await loadStream<CredentialState, AccessEvent>(deps.store, stream, evolveCredential, initialCredentialState);
    const secretAlreadyMatches =
      loaded.state.status === 'present' && (await verifySecret(loaded.state.secret_hash, registration.secret));
    if (!secretAlreadyMatches) freshHash ??= await hashSecret(registration.secret);
    const events = decide(
      registration.id,
      { type: 'RegisterCredential', company_id: registration.company_id, secret_hash: freshHash ?? '', secretAlreadyMatches },
      loaded.state,
    );
    return { appends: [{ stream, expectedRevision: loaded.revision, events }], result: { changed: events.length > 0 } };
  });
}

/** Registers a platform client, or rotates its secret; registering the same secret again changes nothing. */
export const registerPlatformClient = (deps: CommandDeps, context: CommandContext, r: Registration) =>
  register(deps, context, platformClientStream(r.id), r, decidePlatformClient);

export const registerApplication = (deps: CommandDeps, context: CommandContext, r: Registration) =>
  register(deps, context, applicationStream(r.id), r, decideApplication);
