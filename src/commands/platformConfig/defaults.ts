import type { PlatformConfig } from './configSchema.js';

/** What every sales channel starts with, before anyone has set anything. */
export function defaultPlatformConfig(): PlatformConfig {
  const required = { is_required: true, level: 'hard' as const };
  const optional = { is_required: false, level: 'soft' as const };
  return {
    name: 'Fynd',
    display: 'Fynd',
    subtext: 'Login to Fynd',
    active: true,
    register: true,
    forgot_password: true,
    skip_captcha: false,
    skip_login: false,
    mobile_image: '',
    desktop_image: '',
    look_and_feel: { card_position: 'center', background_color: '#F5F5F5' },
    login: { password: true, otp: true },
    meta: { fynd_default: true },
    social: { account_kit: false, facebook: false, google: false, apple: false },
    required_fields: { email: optional, mobile: required },
    register_required_fields: { email: optional, mobile: required },
    flash_card: { text: '', text_color: '#FFFFFF', background_color: '#EF5350' },
    social_tokens: {
      facebook: { app_id: '', app_secret: '' },
      account_kit: { app_id: '', app_secret: '' },
      google: { app_id: '', app_secret: '' },
      apple: { app_id: '', app_secret: '' },
    },
    delete_account_day: 7,
    delete_account_reasons: [
      { reason_text: 'I have another account', reason_id: '1', show_text_area: false },
      { reason_text: 'I no longer use this service', reason_id: '2', show_text_area: false },
      { reason_text: 'Other', reason_id: '3', show_text_area: true },
    ],
    delete_account_consent: { consent_text: 'I understand that my account and its data will be deleted.' },
    delete_account_cancel_on_login: true,
    session_config: { duration: 30, type: 'days', is_rolling: false },
    password_settings: {
      min_length: 8,
      max_length: 128,
      check_common_passwords: true,
      require_uppercase: false,
      require_lowercase: false,
      require_digit: false,
      require_special: false,
      history_count: 0,
      lockout: { max_attempts: 5, duration_minutes: 15 },
    },
  };
}
