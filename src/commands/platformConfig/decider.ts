import type { PlatformConfigEvent } from '../../events/platformConfigEvents.js';
import { DomainError, type FieldError } from '../../shared/errors.js';
import { platformConfigSchema, type PlatformConfig } from './configSchema.js';
import { defaultPlatformConfig } from './defaults.js';

export type PlatformConfigState = { config: PlatformConfig };

export type PlatformConfigCommand = {
  type: 'UpdatePlatformConfig';
  application_id: string;
  /** Any subset of the document; objects merge into the current value, arrays and scalars replace it. */
  patch: Record<string, unknown>;
};

export const initialPlatformConfigState = (): PlatformConfigState => ({ config: defaultPlatformConfig() });

export function evolvePlatformConfig(_state: PlatformConfigState, event: PlatformConfigEvent): PlatformConfigState {
  return { config: event.data.config };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergeDeep(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value;
  }
  return result;
}

export function decidePlatformConfig(command: PlatformConfigCommand, state: PlatformConfigState): PlatformConfigEvent[] {
  // A config written before a field existed still takes it: the defaults name every field there is now.
  const known = new Set([...Object.keys(defaultPlatformConfig()), ...Object.keys(state.config)]);
  // Read-only and unknown keys (the SDK echoes _id, created_at, __v…) are ignored, not refused.
  const patch = Object.fromEntries(Object.entries(command.patch).filter(([key]) => known.has(key)));
  const merged = mergeDeep(state.config as unknown as Record<string, unknown>, patch);
  const parsed = platformConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      field: ['body', ...issue.path.map(String)].join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]'),
      message: issue.message,
    }));
    throw new DomainError('validation', 'invalid_input', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  const config = parsed.data;
  const changed = Object.keys(config).filter(
    (key) => JSON.stringify((config as Record<string, unknown>)[key]) !== JSON.stringify((state.config as Record<string, unknown>)[key]),
  );
  if (changed.length === 0) return [];
  return [{ type: 'PlatformConfigUpdated', data: { application_id: command.application_id, config, changed } }];
}
