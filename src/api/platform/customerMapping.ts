import { customerStatus, type CustomerView } from '../../projections/customers/customerView.js';

/** The Fynd `UserSearchSchema` / `UserSchema`: absent fields are left out, never null. */
export function toUserSchema(view: CustomerView) {
  return {
    _id: view.user_id,
    user_id: view.user_id,
    application_id: view.application_id,
    first_name: view.first_name,
    last_name: view.last_name,
    gender: view.gender,
    dob: view.dob,
    username: view.username,
    meta: view.meta,
    phone_numbers: view.phone_numbers.map(({ phone, country_code, active, primary, verified }) => ({
      phone,
      country_code,
      active,
      primary,
      verified,
    })),
    emails: view.emails.map(({ email, active, primary, verified }) => ({ email, active, primary, verified })),
    active: view.active,
    archive: view.archive,
    status: customerStatus(view),
    deleted_on: view.deleted_on,
    account_type: view.account_type,
    profile_pic_url: view.profile_pic_url ?? '',
    external_id: view.external_id,
    rr_id: view.rr_id,
    created_at: view.created_at,
    updated_at: view.updated_at,
  };
}

export function pageOf(pageNo: number, pageSize: number, itemTotal: number) {
  return {
    type: 'number',
    current: pageNo,
    size: pageSize,
    item_total: itemTotal,
    total: Math.ceil(itemTotal / pageSize),
    has_next: pageNo * pageSize < itemTotal,
  };
}
