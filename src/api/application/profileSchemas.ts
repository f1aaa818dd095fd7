import { z } from 'zod';

/** Profile bodies: as lenient as the SDK's models about which fields come, strict about what a given field holds. */
const text = z.string({ error: 'must be a string' }).max(1000, 'is too long');
const object = <T extends z.ZodRawShape>(shape: T) => z.object(shape, { error: 'must be a JSON object' });
const required = (name: string) => text.refine((v) => v.trim() !== '', `${name} is required`);
/** Query flags arrive as "true"/"false"; they describe the entry but the address alone identifies it. */
const flag = z.enum(['true', 'false'], { error: 'must be true or false' }).optional();

/** Printable, no angle brackets: a name is shown back in e-mails and pages. */
const name = z
  .string({ error: 'must be a string' })
  .trim()
  .max(100, 'must be at most 100 characters')
  .refine((v) => !/[\p{Cc}<>]/u.test(v), 'must not contain control characters or < >');

const dob = z
  .string({ error: 'must be a string' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v) && v >= '1900-01-01';
  }, 'is not a real date after 1900-01-01');

export const GENDERS = ['male', 'female', 'unisex', 'other'] as const;

export const editProfileBody = object({
  first_name: name.refine((v) => v !== '', 'must not be empty').optional(),
  last_name: name.optional(),
  gender: z.enum(GENDERS, { error: `must be one of ${GENDERS.join(', ')}` }).optional(),
  dob: dob.optional(),
  profile_pic_url: z
    .string({ error: 'must be a string' })
    .max(2048, 'is too long')
    .refine((v) => v === '' || (/^https?:\/\//i.test(v) && URL.canParse(v)), 'must be an http(s) URL')
    .optional(),
  email: text.optional(),
  mobile: object({ phone: text.optional(), country_code: text.optional() }).optional(),
  country_code: text.optional(),
  consent: z.boolean({ error: 'must be true or false' }).optional(),
  encrypt_otp: z.boolean().optional(),
  android_hash: text.optional(),
  sender: text.optional(),
  register_token: z.string().max(8192).optional(),
});

export const emailBody = object({ email: required('email') });
export const mobileBody = object({
  phone: required('phone'),
  country_code: text.optional(),
  active: z.boolean().optional(),
  primary: z.boolean().optional(),
  verified: z.boolean().optional(),
});
export const deleteEmailQuery = object({ email: required('email'), active: flag, primary: flag, verified: flag, platform: text.optional() });
export const deleteMobileQuery = object({
  phone: required('phone'),
  country_code: text.optional(),
  active: flag,
  primary: flag,
  verified: flag,
  platform: text.optional(),
});

export const entityParams = object({ entity: z.enum(['email', 'mobile'], { error: 'must be email or mobile' }) });
export const sendPrimaryOtpBody = object({ encrypt_otp: z.boolean().optional() });
export const verifyPrimaryOtpBody = object({ otp: required('otp'), request_id: required('request_id') });
export const sendOtpForUpdateBody = object({
  request_id: required('request_id'),
  email: text.optional(),
  mobile: text.optional(),
  country_code: text.optional(),
  encrypt_otp: z.boolean().optional(),
});
export const verifyOtpForUpdateBody = object({ otp: required('otp'), request_id: required('request_id'), email: text.optional() });

export const attributesQuery = object({ slug: text.optional() });
export const updateAttributesBody = object({
  attributes: z.record(z.string().max(200, 'slug is too long'), z.unknown(), { error: 'must be an object of slug → value' }),
});
