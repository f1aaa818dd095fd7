/** A message to a shopper: an OTP, a link, or a notice that something about their account changed. */
export interface Notification {
  channel: 'sms' | 'email';
  /** E.164 phone number for sms, address for email. Personal data: never logged in clear. */
  to: string;
  /** e.g. `otp_login`, `password_reset_link`, `password_changed`, `email_changed`. */
  template: string;
  data: Record<string, string>;
  application_id: string;
}

/**
 * Delivery port. With NOTIFY_WEBHOOK_URL set, each message becomes a job that POSTs it (signed,
 * retried with backoff); otherwise it lands in the local outbox (`npm run cli -- outbox`).
 */
export interface Notifier {
  send(notification: Notification): Promise<void>;
  /** Drops what it still holds for these recipients (an erasure); absent when it holds nothing. */
  forget?(applicationId: string, recipients: string[]): Promise<void>;
}
