import { z } from 'zod';
import { ERASED } from './erased.js';

export const emailEntry = z.object({
  email: z.string(),
  active: z.boolean(),
  primary: z.boolean(),
  verified: z.boolean(),
});
export const phoneEntry = z.object({
  phone: z.string(),
  country_code: z.number().int(),
  active: z.boolean(),
  primary: z.boolean(),
  verified: z.boolean(),
});
const contact = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('email'), email: z.string() }),
  z.object({ kind: z.literal('phone'), phone: z.string(), country_code: z.number().int() }),
]);
export type ContactData = z.infer<typeof contact>;
export type EmailEntry = z.infer<typeof emailEntry>;
export type PhoneEntry = z.infer<typeof phoneEntry>;

export const passwordReasons = ['registration', 'reset', 'change', 'rehash'] as const;
export type PasswordReason = (typeof passwordReasons)[number];

export const socialProviders = ['google', 'facebook', 'apple'] as const;
export type SocialProvider = (typeof socialProviders)[number];
/** Which storefront endpoint the sign-in came through. */
export const socialClients = ['google-web', 'google-android', 'google-ios', 'facebook', 'apple-ios'] as const;
export type SocialClient = (typeof socialClients)[number];

const reasonFields = {
  reason: z.string(),
  reason_id: z.string().optional(),
};

export const customerEventSchemas = {
  UserCreated: z.object({
    user_id: z.string(),
    application_id: z.string(),
    company_id: z.string(),
    username: z.string(),
    first_name: z.string().optional(),
    last_name: z.string().optional(),
    gender: z.string().optional(),
    dob: z.string().optional(),
    external_id: z.string().optional(),
    rr_id: z.string().optional(),
    meta: z.record(z.string(), z.unknown()),
    phone_numbers: z.array(phoneEntry),
    emails: z.array(emailEntry),
    account_type: z.string(),
  }),
  UserUpdated: z.object({
    first_name: z.string().optional(),
    last_name: z.string().optional(),
    gender: z.string().optional(),
    /** Set by the shopper's own profile edit (storefront updateProfile). */
    dob: z.string().optional(),
    profile_pic_url: z.string().optional(),
    external_id: z.string().optional(),
    rr_id: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    phone_numbers: z.array(phoneEntry).optional(),
    emails: z.array(emailEntry).optional(),
  }),
  UserBlocked: z.object(reasonFields),
  UserUnblocked: z.object(reasonFields),
  UserArchived: z.object({ reason: z.string().optional(), reason_id: z.string().optional() }),
  UserRestored: z.object(reasonFields),
  /** The PHC string (algorithm, parameters, salt, hash), never the password; the marker once the person is erased. */
  UserPasswordSet: z.object({
    password_hash: z.union([z.string().startsWith('$'), z.literal(ERASED)]),
    reason: z.enum(passwordReasons),
  }),
  /** One per failed sign-in, numbered by the attempt counter so concurrent failures all show. */
  UserLoginFailed: z.object({
    /** In `signInFailures-<user_id>`; absent on failures recorded in the user's own stream before 2026-12-06. */
    user_id: z.string().optional(),
    attempt: z.number().int().positive(),
    method: z.enum(['password', 'old_password']),
    /** `account_locked`: the account was already locked, so the password was not looked at. */
    reason: z.enum(['wrong_password', 'account_locked']),
    ip: z.string(),
  }),
  UserLockedOut: z.object({
    user_id: z.string().optional().describe('The customer; absent on locks recorded in the user stream before 2026-12-06.'),
    until: z.string(),
    attempts: z.number().int().positive(),
  }),
  /** The user proved they receive messages at this address or number (OTP or link). */
  UserContactVerified: contact,
  /** The shopper added an email or mobile to their profile; unverified until proven by OTP or link. */
  UserContactAdded: z.object({ contact, primary: z.boolean() }),
  UserContactRemoved: z.object({ contact }),
  /** The contact becomes the primary of its kind; the previous primary of that kind stops being one. */
  UserPrimaryContactSet: z.object({ contact }),
  /**
   * A provider account now signs in to this customer. `subject` is the provider's stable user id;
   * the token that proved it is never stored. `matched_by`: how the customer was found.
   */
  UserSocialAccountLinked: z.object({
    provider: z.enum(socialProviders),
    subject: z.string().min(1),
    client: z.enum(socialClients),
    /** `signed_in`: the shopper, signed in, added the provider to their own account. */
    matched_by: z.enum(['new_account', 'verified_email', 'signed_in']),
  }),
  /** The shopper asked for their account to be deleted; it is archived at `delete_on` unless cancelled. */
  UserDeletionRequested: z.object({
    deletion_id: z.string(),
    reason: z.string(),
    reason_id: z.string(),
    delete_on: z.string(),
    confirmed_by: z.enum(['otp', 'password']),
  }),
  UserDeletionCancelled: z.object({ deletion_id: z.string(), reason: z.string() }),
  /**
   * The person was erased (right to be forgotten): their data key is destroyed, so the personal
   * fields of every earlier event read as the erased marker. Carries no personal data itself.
   */
  UserErased: z.object(reasonFields),
} as const;

type Schemas = typeof customerEventSchemas;
export type CustomerEventType = keyof Schemas;
export type CustomerEvent = {
  [K in CustomerEventType]: { type: K; data: z.infer<Schemas[K]> };
}[CustomerEventType];

export const userStream = (userId: string): string => `user-${userId}`;
export const USER_STREAM_PREFIX = 'user-';

/**
 * A customer's failed sign-ins and locks. Not the user's own stream, which every sign-in and
 * profile command reads and decrypts: a password guessed at the per-account rate limit (20 a
 * minute) would have added 28,800 events a day to it, and made each of those reads slower for
 * good. Nothing decides on these events (the attempt counter does); they are the audit trail.
 */
export const signInFailuresStream = (userId: string): string => `signInFailures-${userId}`;
