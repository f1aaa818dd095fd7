import { z } from 'zod';
import { platformConfigSchema } from '../commands/platformConfig/configSchema.js';

export const platformConfigEventSchemas = {
  /** The whole document after the change (provider secrets encrypted), and which top-level fields changed. */
  PlatformConfigUpdated: z.object({
    application_id: z.string(),
    config: platformConfigSchema,
    changed: z.array(z.string()),
  }),
} as const;

type Schemas = typeof platformConfigEventSchemas;
export type PlatformConfigEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];

export const platformConfigStream = (applicationId: string): string => `platformConfig-${applicationId}`;
export const PLATFORM_CONFIG_STREAM_PREFIX = 'platformConfig-';
