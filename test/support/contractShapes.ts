import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Schemas of the SDK 3.x attribute replies, copied from the contract (`shared/contract/user-api.json`,
 * type grammar: `T[]` array, `!` required). The SDK 1.4.13 the tests run has no model for these
 * endpoints, so replies are checked here with the SDK's Joi leniency (see `checkShape`).
 */
export const CONTRACT_SCHEMAS: Record<string, Record<string, string>> = {
  SuccessMessage: { success: 'string' },
  PaginationSchema: { size: 'integer', total: 'integer', item_total: 'integer', has_next: 'boolean', type: 'string', current: 'integer' },
  AttributeMaskingProperties: { enabled: 'boolean', type: 'string' },
  AttributeRegistrationProperties: { enabled: 'boolean', type: 'string' },
  UserAttributeDefinition: {
    _id: 'string',
    name: 'string',
    slug: 'string',
    description: 'string',
    application_id: 'string',
    type: 'string',
    icon: 'string',
    ordering_channels: 'string[]',
    masking: 'AttributeMaskingProperties',
    registration: 'AttributeRegistrationProperties',
    is_multi_value: 'boolean',
    customer_editable: 'boolean',
    encrypted: 'boolean',
    pinned: 'boolean',
    pin_order: 'integer',
    validations: 'any[]',
    is_locked: 'boolean',
    created_at: 'string',
    modified_at: 'string',
    __v: 'integer',
  },
  UserAttributeDefinitionList: { items: 'UserAttributeDefinition[]', page: 'PaginationSchema' },
  UserAttribute: {
    _id: 'string',
    name: 'string',
    user_id: 'string',
    application_id: 'string',
    user_attribute_definition_id: 'string',
    created_at: 'string',
    updated_at: 'string',
    type: 'string',
    customer_overridden: 'boolean',
    attribute: 'object',
    updated_by: 'string',
  },
  UserAttributeDefinitionsResponseSchema: { items: 'UserAttribute[]', page: 'PaginationSchema' },
  BulkUserAttribute: { success: 'boolean', attributes: 'UserAttribute[]' },
  UserAttributeFiltered: { items: 'UserAttributeFilteredList[]', page: 'PaginationSchema' },
  UserAttributeFilteredList: {
    _id: 'string',
    username: 'string',
    phone_numbers: 'UserPhoneNumbers[]',
    emails: 'UserEmails[]',
    gender: 'string',
    active: 'boolean',
    archive: 'boolean',
    status: 'string',
    attributes: 'UserAttribute[]',
    first_name: 'string',
    last_name: 'string',
    account_type: 'string',
    profile_pic_url: 'string',
    has_old_password_hash: 'boolean',
    user_id: 'string',
    application_id: 'string',
    is_encrypted: 'boolean',
    created_at: 'string',
    updated_at: 'string',
  },
  UserPhoneNumbers: { active: 'boolean', primary: 'boolean', verified: 'boolean', phone: 'string', country_code: 'string' },
  UserEmails: { active: 'boolean', primary: 'boolean', verified: 'boolean', email: 'string' },
  // The storefront replies of the four profile methods SDK 3.4 adds (it checks no storefront reply itself).
  SendOtpSuccess: {
    resend_timer: 'integer',
    resend_token: 'string',
    register_token: 'string',
    success: 'boolean',
    request_id: 'string',
    message: 'string',
    mobile: 'string',
    country_code: 'string',
  },
  VerifyPrimaryOTPSuccess: { success: 'boolean', request_id: 'string', entity: 'string' },
  VerifyOtpSuccess: { user: 'UserSchema', user_exists: 'boolean', register_token: 'string' },
  UserSchema: {
    application_id: 'string',
    user_id: 'string',
    first_name: 'string',
    meta: 'object',
    last_name: 'string',
    phone_numbers: 'PhoneNumber[]',
    emails: 'Email[]',
    gender: 'string',
    dob: 'string',
    active: 'boolean',
    profile_pic_url: 'string',
    username: 'string',
    account_type: 'string',
    _id: 'string',
    created_at: 'string',
    updated_at: 'string',
    external_id: 'string',
    rr_id: 'string',
    consent: 'UserConsent',
  },
  PhoneNumber: { phone: 'string', country_code: 'integer', active: 'boolean', primary: 'boolean', verified: 'boolean' },
  Email: { email: 'string', active: 'boolean', primary: 'boolean', verified: 'boolean' },
  UserConsent: { privacy_policy: 'PrivacyPolicyConsentSchema' },
  PrivacyPolicyConsentSchema: { value: 'boolean', updated_at: 'string' },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkType(type: string, value: unknown, path: string, problems: string[]): void {
  if (type.endsWith('[]')) {
    if (!Array.isArray(value)) problems.push(`${path} must be an array`);
    else value.forEach((item, i) => checkType(type.slice(0, -2), item, `${path}[${i}]`, problems));
    return;
  }
  const numeric = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)));
  switch (type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') problems.push(`${path} must be a string`);
      return;
    case 'integer':
    case 'number':
      if (!numeric(value)) problems.push(`${path} must be a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') problems.push(`${path} must be a boolean`);
      return;
    case 'object':
      if (!isObject(value)) problems.push(`${path} must be an object`);
      return;
    default:
      checkSchema(type, value, path, problems);
  }
}

function checkSchema(name: string, value: unknown, path: string, problems: string[]): void {
  const schema = CONTRACT_SCHEMAS[name];
  if (schema === undefined) throw new Error(`no contract schema ${name}`);
  if (!isObject(value)) {
    problems.push(`${path || 'reply'} must be an object (${name})`);
    return;
  }
  for (const [field, spec] of Object.entries(schema)) {
    const required = spec.endsWith('!');
    const type = required ? spec.slice(0, -1) : spec;
    const at = path === '' ? field : `${path}.${field}`;
    if (value[field] === undefined) {
      if (required) problems.push(`${at} is required`);
      continue;
    }
    checkType(type, value[field], at, problems);
  }
}

/**
 * What the SDK's Joi models would say of a reply: unknown keys allowed, optional keys may be
 * missing, strings never null, numbers may be numeric strings, booleans may be "true"/"false".
 */
export function checkShape(schema: string, value: unknown): string[] {
  const problems: string[] = [];
  checkSchema(schema, value, '', problems);
  return problems;
}

/** The contract file itself, when the checkout has `shared/` beside it (the CI layout). */
export function contractFile(): { schemas: Record<string, Record<string, string>> } | undefined {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const file = [join(root, '..', 'shared', 'contract', 'user-api.json'), join(root, 'shared', 'contract', 'user-api.json')].find((f) => existsSync(f));
  return file === undefined ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, Record<string, string>> });
}
