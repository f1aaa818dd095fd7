import { z } from 'zod';

const credentialList = (shape: string) =>
  z
    .string()
    .default('')
    .transform((value, ctx) => {
      const entries = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      return entries.map((entry) => {
        const parts = entry.split(':');
        if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
          ctx.addIssue({ code: 'custom', message: `each entry must look like ${shape}, got "${entry.replace(/:[^:]*$/, ':…')}"` });
          return { company_id: '', id: '', secret: '' };
        }
        const [company_id = '', id = '', secret = ''] = parts;
        if (!/^\d+$/.test(company_id)) ctx.addIssue({ code: 'custom', message: `company id "${company_id}" must be numeric` });
        return { company_id, id, secret };
      });
    });

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const providerUrl = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an http:// or https:// URL');

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TOKEN_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  DATA_ENCRYPTION_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  /** Unwrapped per-person data keys kept in memory, and for how long one is trusted (crypto-shredding). */
  DATA_KEY_CACHE_SIZE: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  DATA_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  BOOTSTRAP_PLATFORM_CLIENTS: credentialList('<company_id>:<client_id>:<client_secret>'),
  BOOTSTRAP_APPLICATIONS: credentialList('<company_id>:<application_id>:<application_token>'),
  DEFAULT_COUNTRY_CODE: z.coerce.number().int().min(1).max(999).default(91),
  EVENTSTORE_URL: optionalUrl,
  MONGODB_URL: optionalUrl,
  MONGODB_DATABASE: z.string().default('user_service'),
  REDIS_URL: optionalUrl,
  READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  PROJECTION_POLL_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** How often the webhook dispatcher looks for new events and settled deliveries (a local delivery wakes it sooner). */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** `false` only for plain-HTTP development: browsers drop Secure cookies over http://. */
  SESSION_COOKIE_SECURE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((v) => v === 'true'),
  SIGNIN_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(60),
  SIGNIN_RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** A session younger than this may change the shopper's emails and mobiles without an OTP to the current primary. */
  PROFILE_RECENT_SIGNIN_MINUTES: z.coerce.number().int().min(0).max(1440).default(15),
  OTP_LENGTH: z.enum(['4', '6'], { error: 'must be 4 or 6' }).default('6').transform((v) => (v === '4' ? 4 : 6)),
  /** Where provider keys and token inspection live; tests point them at local servers. */
  GOOGLE_JWKS_URL: providerUrl('https://www.googleapis.com/oauth2/v3/certs'),
  APPLE_JWKS_URL: providerUrl('https://appleid.apple.com/auth/keys'),
  FACEBOOK_GRAPH_URL: providerUrl('https://graph.facebook.com/v19.0'),
  /** Hosts, addresses or CIDR ranges group imports may fetch from although private or loopback. */
  GROUP_IMPORT_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0)),
  GROUP_IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024 * 1024).default(20 * 1024 * 1024),
  GROUP_IMPORT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(24 * 60 * 60 * 1000).default(10 * 60 * 1000),
  GROUP_IMPORT_BATCH_ROWS: z.coerce.number().int().min(1).max(5000).default(1000),
  /** Days an import's report of rejected rows is kept before it is forgotten; 0: until forgotten by hand. */
  GROUP_IMPORT_REPORT_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** How long a job stays with a worker that stopped answering before another worker runs it again. */
  JOB_LEASE_MS: z.coerce.number().int().min(1000).max(60 * 60 * 1000).default(60_000),
  NOTIFY_WEBHOOK_URL: optionalUrl.refine(
    (v) => v === undefined || (/^https?:\/\//i.test(v) && URL.canParse(v)),
    'must be an http:// or https:// URL',
  ),
  NOTIFY_WEBHOOK_SECRET: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export const WEBHOOK_SECRET_REQUIRED = 'NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set (the receiver verifies every signature with it)';

/** Read once at start; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.EVENTSTORE_URL !== undefined || config.MONGODB_URL !== undefined) {
    // Shared stores mean several instances: they must share these keys, and none may be made up per instance.
    const missing = (['TOKEN_SIGNING_KEY', 'DATA_ENCRYPTION_KEY'] as const).filter((name) => config[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `invalid configuration:\n${missing.map((name) => `  ${name}: required when EVENTSTORE_URL or MONGODB_URL is set (instances must share it)`).join('\n')}`,
      );
    }
  }
  if (config.NOTIFY_WEBHOOK_URL !== undefined && config.NOTIFY_WEBHOOK_SECRET === undefined) {
    throw new ConfigError(`invalid configuration:\n  ${WEBHOOK_SECRET_REQUIRED}`);
  }
  return config;
}
