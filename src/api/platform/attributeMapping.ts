import type { AttributeDefinitionFields } from '../../events/attributeDefinitionEvents.js';
import type { AttributeDefinitionView, UserAttributeView } from '../../projections/attributes/attributeViews.js';
import { customerStatus, type CustomerView } from '../../projections/customers/customerView.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';

/**
 * The Fynd `UserAttributeDefinition` / `UserAttributeDefinitionDetails`, with both spellings of
 * the multi-value flag (seed and SDK 1.4: multi_value; SDK 3.x: is_multi_value). Absent fields
 * are left out, never null.
 */
export function toDefinitionSchema(view: AttributeDefinitionView) {
  return {
    _id: view.definition_id,
    name: view.name,
    slug: view.slug,
    description: view.description,
    application_id: view.application_id,
    type: view.type,
    multi_value: view.is_multi_value,
    is_multi_value: view.is_multi_value,
    customer_editable: view.customer_editable,
    encrypted: view.encrypted,
    pinned: view.pinned,
    pin_order: view.pin_order,
    default_value: view.default_value,
    validations: view.validations,
    is_locked: view.is_locked,
    icon: view.icon,
    ordering_channels: view.ordering_channels,
    masking: view.masking,
    registration: view.registration,
    created_by: view.created_by,
    updated_by: view.updated_by,
    created_at: view.created_at,
    modified_at: view.modified_at,
    __v: view.revision,
  };
}

/** The clear value: encrypted values are decrypted here, on the way out, and nowhere else. */
export function clearValue(view: Pick<UserAttributeView, 'value' | 'encrypted'>, cipher: FieldCipher): unknown {
  return view.encrypted && typeof view.value === 'string' ? (JSON.parse(cipher.decrypt(view.value)) as unknown) : view.value;
}

type DefinitionLabel = Pick<AttributeDefinitionFields, 'name' | 'slug' | 'type'>;

/** The Fynd `UserAttribute`, with both spellings of the override flag. */
export function toUserAttributeSchema(view: UserAttributeView, definition: DefinitionLabel | undefined, cipher: FieldCipher) {
  return {
    _id: view.attribute_id,
    name: definition?.name,
    slug: definition?.slug,
    type: definition?.type,
    user_id: view.user_id,
    application_id: view.application_id,
    user_attribute_definition_id: view.definition_id,
    customer_overriden: view.customer_overridden,
    customer_overridden: view.customer_overridden,
    attribute: { value: clearValue(view, cipher) },
    updated_by: view.updated_by,
    created_at: view.created_at,
    updated_at: view.updated_at,
  };
}

/** The Fynd `UserAttributeFilteredList`: a user (its phone country code a string there) and the asked-for values. */
export function toFilteredUser(userId: string, view: CustomerView | null, attributes: unknown[]) {
  if (view === null) return { _id: userId, user_id: userId, attributes };
  return {
    _id: view.user_id,
    user_id: view.user_id,
    application_id: view.application_id,
    username: view.username,
    first_name: view.first_name,
    last_name: view.last_name,
    gender: view.gender,
    phone_numbers: view.phone_numbers.map((p) => ({
      phone: p.phone,
      country_code: String(p.country_code),
      active: p.active,
      primary: p.primary,
      verified: p.verified,
    })),
    emails: view.emails.map(({ email, active, primary, verified }) => ({ email, active, primary, verified })),
    active: view.active,
    archive: view.archive,
    status: customerStatus(view),
    account_type: view.account_type,
    profile_pic_url: '',
    has_old_password_hash: false,
    is_encrypted: false,
    created_at: view.created_at,
    updated_at: view.updated_at,
    attributes,
  };
}
