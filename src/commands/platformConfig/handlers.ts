import { platformConfigStream, type PlatformConfigEvent } from '../../events/platformConfigEvents.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps } from '../commandRunner.js';
import type { PlatformConfig } from './configSchema.js';
import {
  decidePlatformConfig,
  evolvePlatformConfig,
  initialPlatformConfigState,
  type PlatformConfigState,
} from './decider.js';

/** What a reply shows instead of a provider secret once it is set. */
export const SECRET_MASK = '********';
const PROVIDERS = ['facebook', 'account_kit', 'google', 'apple'] as const;

/**
 * Secrets arrive in clear and are stored encrypted. A client that sends back the mask it was
 * shown, or the same secret again, leaves the stored one untouched.
 */
function sealSecrets(patch: Record<string, unknown>, current: PlatformConfig, cipher: FieldCipher): Record<string, unknown> {
  const tokens = patch.social_tokens;
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) return patch;
  const sealed: Record<string, unknown> = { ...(tokens as Record<string, unknown>) };
  for (const provider of PROVIDERS) {
    const entry = sealed[provider];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    const { app_secret: secret, ...rest } = entry as Record<string, unknown>;
    const stored = current.social_tokens[provider]?.app_secret ?? '';
    if (typeof secret !== 'string' || secret === SECRET_MASK) {
      sealed[provider] = { ...rest, app_secret: stored };
    } else if (secret === '') {
      sealed[provider] = { ...rest, app_secret: '' };
    } else {
      const same = stored !== '' && cipher.decrypt(stored) === secret;
      sealed[provider] = { ...rest, app_secret: same ? stored : cipher.encrypt(secret) };
    }
  }
  return { ...patch, social_tokens: sealed };
}

export async function updatePlatformConfig(
  deps: CommandDeps,
  context: CommandContext,
  applicationId: string,
  patch: Record<string, unknown>,
  cipher: FieldCipher,
): Promise<PlatformConfig> {
  const stream = platformConfigStream(applicationId);
  return runCommand(deps, context, async () => {
    const loaded = await loadStream<PlatformConfigState, PlatformConfigEvent>(
      deps.store,
      stream,
      evolvePlatformConfig,
      initialPlatformConfigState,
    );
    const events = decidePlatformConfig(
      { type: 'UpdatePlatformConfig', application_id: applicationId, patch: sealSecrets(patch, loaded.state.config, cipher) },
      loaded.state,
    );
    const after = events.reduce(evolvePlatformConfig, loaded.state);
    return { appends: [{ stream, expectedRevision: loaded.revision, events }], result: after.config };
  });
}

/** The document as replies show it: provider secrets masked. */
export function maskSecrets(config: PlatformConfig): PlatformConfig {
  const mask = (secret: string) => (secret === '' ? '' : SECRET_MASK);
  const tokens = config.social_tokens;
  return {
    ...config,
    social_tokens: {
      facebook: { ...tokens.facebook, app_secret: mask(tokens.facebook.app_secret) },
      account_kit: { ...tokens.account_kit, app_secret: mask(tokens.account_kit.app_secret) },
      google: { ...tokens.google, app_secret: mask(tokens.google.app_secret) },
      ...(tokens.apple === undefined ? {} : { apple: { ...tokens.apple, app_secret: mask(tokens.apple.app_secret) } }),
    },
  };
}
