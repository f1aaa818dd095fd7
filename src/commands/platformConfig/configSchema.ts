import { z } from 'zod';

/** Units a session duration may be given in, and their length. */
export const SESSION_UNITS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;
/** `hard`: the field must be given and verified; `soft`: it is asked for but may be skipped. */
export const REQUIRED_LEVELS = ['hard', 'soft'] as const;

const requiredField = z.object({ is_required: z.boolean(), level: z.enum(REQUIRED_LEVELS, { error: `must be one of ${REQUIRED_LEVELS.join(', ')}` }) });
const provider = z.object({ app_id: z.string().max(256), app_secret: z.string().max(1024) });
const shortText = z.string().max(1000);

/**
 * Beyond the SDK's PlatformSchema: password rules and lockout (OWASP ASVS 2.1, 2.2). Returned in
 * responses too; the SDK's response models accept unknown keys.
 */
export const passwordSettingsSchema = z.object({
  min_length: z.number().int().min(8, 'must be at least 8 (OWASP ASVS 2.1.1)').max(64),
  max_length: z.number().int().min(64, 'must be at least 64 (OWASP ASVS 2.1.2)').max(1024),
  check_common_passwords: z.boolean(),
  require_uppercase: z.boolean(),
  require_lowercase: z.boolean(),
  require_digit: z.boolean(),
  require_special: z.boolean(),
  /** How many previous passwords may not be reused; 0 turns the history check off. */
  history_count: z.number().int().min(0).max(24),
  lockout: z.object({
    max_attempts: z.number().int().min(1).max(100),
    duration_minutes: z.number().int().min(1).max(1440),
  }),
});

export const platformConfigSchema = z
  .object({
    name: shortText,
    display: shortText,
    subtext: shortText,
    active: z.boolean(),
    register: z.boolean(),
    forgot_password: z.boolean(),
    skip_captcha: z.boolean(),
    skip_login: z.boolean(),
    mobile_image: z.string().max(2048),
    desktop_image: z.string().max(2048),
    look_and_feel: z.object({ card_position: shortText, background_color: shortText }),
    login: z.object({ password: z.boolean(), otp: z.boolean() }),
    meta: z.object({ fynd_default: z.boolean() }),
    social: z.object({ account_kit: z.boolean(), facebook: z.boolean(), google: z.boolean(), apple: z.boolean() }),
    required_fields: z.object({ email: requiredField, mobile: requiredField }),
    register_required_fields: z.object({ email: requiredField, mobile: requiredField }),
    flash_card: z.object({ text: shortText, text_color: shortText, background_color: shortText }),
    /** `apple` is ours, not Fynd's: its app_id is the iOS bundle id Apple identity tokens are issued for. */
    social_tokens: z.object({ facebook: provider, account_kit: provider, google: provider, apple: provider.optional() }),
    delete_account_day: z.number().int().min(0, 'must be 0 or more days').max(365),
    delete_account_reasons: z
      .array(z.object({ reason_text: shortText, reason_id: z.string().min(1).max(64), show_text_area: z.boolean() }))
      .max(50),
    delete_account_consent: z.object({ consent_text: shortText }),
    /** Ours, not Fynd's: whether signing in while a delete request waits cancels it (true) or is refused (false). Absent: true. */
    delete_account_cancel_on_login: z.boolean().optional(),
    session_config: z.object({
      duration: z.number().int('must be a whole number').positive('must be a positive integer'),
      type: z.enum(Object.keys(SESSION_UNITS) as [keyof typeof SESSION_UNITS], {
        error: `must be one of ${Object.keys(SESSION_UNITS).join(', ')}`,
      }),
      is_rolling: z.boolean(),
    }),
    password_settings: passwordSettingsSchema,
  })
  .superRefine((config, ctx) => {
    if (!config.login.password && !config.login.otp) {
      ctx.addIssue({ code: 'custom', path: ['login'], message: 'at least one of password and otp must be on' });
    }
    if (config.password_settings.min_length > config.password_settings.max_length) {
      ctx.addIssue({ code: 'custom', path: ['password_settings', 'min_length'], message: 'must not exceed max_length' });
    }
    const durationMs = config.session_config.duration * SESSION_UNITS[config.session_config.type];
    if (durationMs > 366 * SESSION_UNITS.days) {
      ctx.addIssue({ code: 'custom', path: ['session_config', 'duration'], message: 'must be at most one year' });
    }
  });

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

export const sessionDurationMs = (config: Pick<PlatformConfig, 'session_config'>): number =>
  config.session_config.duration * SESSION_UNITS[config.session_config.type];
