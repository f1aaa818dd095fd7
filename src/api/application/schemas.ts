import { z } from 'zod';

/**
 * Storefront bodies, as lenient as the SDK's models (every field optional, strings may be ""):
 * a missing value the flow needs is refused by the flow, naming the field.
 */
const text = z.string({ error: 'must be a string' }).max(1000, 'is too long');
/** Long enough for any real passphrase; the channel's max_length decides what is acceptable. */
const passwordText = z.string({ error: 'must be a string' }).max(4096, 'is too long');
const object = <T extends z.ZodRawShape>(shape: T) => z.object(shape, { error: 'must be a JSON object' });
const required = (name: string) => text.refine((v) => v.trim() !== '', `${name} is required`);

export const passwordLoginBody = object({ username: required('username'), password: passwordText });
export const registerBody = object({
  first_name: text.optional(),
  last_name: text.optional(),
  gender: text.optional(),
  email: text.optional(),
  password: passwordText.optional(),
  phone: object({ country_code: text.optional(), mobile: text.optional() }).optional(),
  register_token: z.string().max(8192).optional(),
  consent: z.boolean().optional(),
});
export const mobileOtpBody = object({
  mobile: required('mobile'),
  country_code: text.optional(),
  action: text.optional(),
  token: text.optional(),
  android_hash: text.optional(),
  encrypt_otp: z.boolean().optional(),
  force: text.optional(),
});
export const emailOtpBody = object({ email: required('email'), action: text.optional(), token: text.optional(), register_token: z.string().max(8192).optional() });
export const verifyMobileOtpBody = object({ request_id: required('request_id'), otp: required('otp'), register_token: z.string().max(8192).optional() });
export const verifyEmailOtpBody = object({ email: required('email'), otp: required('otp'), register_token: z.string().max(8192).optional(), action: text.optional() });
export const verifyForgotMobileBody = object({ request_id: required('request_id'), otp: required('otp') });
export const verifyForgotEmailBody = object({ email: required('email'), otp: required('otp') });
export const resetEmailBody = object({ email: required('email') });
export const resetMobileBody = object({ mobile: required('mobile'), country_code: text.optional() });
export const codeBody = object({ code: required('code') });
export const tokenBody = object({ token: required('token') });
export const newPasswordBody = object({ code: required('code'), password: passwordText });
export const updatePasswordBody = object({ old_password: passwordText, new_password: passwordText });
export const userExistsQuery = object({ q: required('q') });

/** Provider tokens: a Google ID token or an Apple identity token runs to a few KB. */
const providerToken = z.string({ error: 'must be a string' }).max(16_384, 'is too long');
const socialProfile = object({
  id: text.optional(),
  email: text.optional(),
  first_name: text.optional(),
  last_name: text.optional(),
  full_name: text.optional(),
  image: z.string().max(4096).optional(),
});
/**
 * OAuthRequestSchema. Google's ID token travels in `oauth2.access_token` (the SDK's schema has
 * no id_token field); an `oauth2.id_token`, when sent, is preferred.
 */
export const oauthBody = object({
  is_signed_in: z.boolean().optional(),
  oauth2: object({
    access_token: providerToken.optional(),
    id_token: providerToken.optional(),
    refresh_token: providerToken.optional(),
    expiry: z.union([z.number(), z.string()]).optional(),
  }),
  profile: socialProfile.optional(),
});
export const appleOauthBody = object({
  user_identifier: text.optional(),
  oauth: object({ identity_token: providerToken }),
  profile: socialProfile.optional(),
});
/** DeleteApplicationUserRequestSchema, plus `password` as the other way to confirm. */
export const deleteUserBody = object({
  user_id: text.optional(),
  reason: text.optional(),
  reason_id: text.optional(),
  request_id: text.optional(),
  otp: text.optional(),
  password: passwordText.optional(),
});
