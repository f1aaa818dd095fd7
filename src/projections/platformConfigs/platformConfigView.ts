import type { StoredEvent } from '../../events/envelope.js';
import { PLATFORM_CONFIG_STREAM_PREFIX, type PlatformConfigEvent } from '../../events/platformConfigEvents.js';
import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';

export const platformConfigStreamPrefixes = [PLATFORM_CONFIG_STREAM_PREFIX];

export interface PlatformConfigView {
  application_id: string;
  config: PlatformConfig;
  created_at: string;
  updated_at: string;
  revision: number;
}

/** Each event carries the whole document, so the view is the last one applied. */
export function evolvePlatformConfigView(view: PlatformConfigView | null, stored: StoredEvent): PlatformConfigView | null {
  if (view !== null && stored.revision <= view.revision) return view;
  const event = { type: stored.type, data: stored.data } as PlatformConfigEvent;
  if (event.type !== 'PlatformConfigUpdated') return view;
  return {
    application_id: event.data.application_id,
    config: event.data.config,
    created_at: view?.created_at ?? stored.occurred_at,
    updated_at: stored.occurred_at,
    revision: stored.revision,
  };
}
