import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';
import type { Clock } from '../../shared/clock.js';
import { invalid } from '../../shared/errors.js';

const REGISTER_TOKEN_TTL_SECONDS = 30 * 60;

const contactPhone = z.object({ phone: z.string(), country_code: z.number().int() });
export const pendingRegistrationSchema = z.object({
  application_id: z.string(),
  /** What the form asked for; absent when the token only proves a contact (OTP first, form later). */
  form: z
    .object({
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      gender: z.string().optional(),
      email: z.string().optional(),
      phone: contactPhone.optional(),
      password_hash: z.string().optional(),
      consent: z.boolean().optional(),
    })
    .optional(),
  /** Contacts the holder has proved, by OTP, to receive messages at. */
  verified: z.object({ email: z.string().optional(), phone: contactPhone.optional() }),
});
export type PendingRegistration = z.infer<typeof pendingRegistrationSchema>;

/**
 * `register_token`: a registration in progress, carried by the client between the form and the
 * OTPs instead of stored. Encrypted (JWE, A256GCM) so that the client can neither read the
 * password hash inside nor forge a verified contact; it expires after 30 minutes.
 */
export class RegisterTokens {
  constructor(
    private readonly key: Uint8Array,
    private readonly clock: Clock,
  ) {}

  async issue(pending: PendingRegistration): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new EncryptJWT({ reg: pending })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt(now)
      .setExpirationTime(now + REGISTER_TOKEN_TTL_SECONDS)
      .encrypt(this.key);
  }

  async read(token: string, applicationId: string): Promise<PendingRegistration> {
    try {
      const { payload } = await jwtDecrypt(token, this.key, { currentDate: this.clock.now() });
      const pending = pendingRegistrationSchema.parse(payload.reg);
      if (pending.application_id !== applicationId) throw new Error('another application');
      return pending;
    } catch {
      throw invalid('body.register_token', 'is invalid or expired; start the registration again');
    }
  }
}
