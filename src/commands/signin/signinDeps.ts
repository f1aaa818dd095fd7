import type { Notifier } from '../notifications/notifier.js';
import type { AttemptCounter } from '../lockout/attemptCounter.js';
import type { OtpStore } from '../otp/otpStore.js';
import type { SessionDeps } from '../session/sessions.js';
import type { RegisterTokens } from './registerTokens.js';

/** Everything a storefront sign-in flow touches, besides the request. */
export interface SigninDeps extends SessionDeps {
  otps: OtpStore;
  attempts: AttemptCounter;
  notifier: Notifier;
  registerTokens: RegisterTokens;
  /** HMAC key for OTP and link hashes. */
  otpKey: Buffer;
  otpLength: 4 | 6;
  defaultCountryCode: number;
}
