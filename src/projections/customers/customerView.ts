import type { StoredEvent } from '../../events/envelope.js';
import type { CustomerEvent, EmailEntry, PhoneEntry } from '../../events/customerEvents.js';
import { USER_STREAM_PREFIX } from '../../events/customerEvents.js';
import { applyContactEvent } from '../../commands/customer/contactChanges.js';
import { ERASED } from '../../events/personalDataCodec.js';

/** The customers read model's document: what list, search and get return, before mapping to the wire. */
export interface CustomerView {
  user_id: string;
  application_id: string;
  company_id: string;
  username: string;
  first_name?: string;
  last_name?: string;
  gender?: string;
  dob?: string;
  profile_pic_url?: string;
  external_id?: string;
  rr_id?: string;
  meta: Record<string, unknown>;
  phone_numbers: PhoneEntry[];
  emails: EmailEntry[];
  account_type: string;
  active: boolean;
  archive: boolean;
  deleted_on?: string;
  /** Set once the person was erased: the view is a tombstone without personal data. */
  erased_on?: string;
  /** Whether a password is set; the hash itself never reaches a read model. */
  has_password?: boolean;
  created_at: string;
  updated_at: string;
  /** Position of the UserCreated event: newest customers list first. */
  seq: number;
  /** Revision of the last event applied; applying an older or equal one changes nothing. */
  revision: number;
}

export const customersStreamPrefixes = [USER_STREAM_PREFIX];

export const customerStatus = (view: Pick<CustomerView, 'active' | 'archive'>): string =>
  view.archive ? 'archived' : view.active ? 'active' : 'blocked';

export function evolveCustomerView(view: CustomerView | null, stored: StoredEvent): CustomerView | null {
  if (view !== null && stored.revision <= view.revision) return view;
  const event = { type: stored.type, data: stored.data } as CustomerEvent;
  const at = stored.occurred_at;
  if (event.type === 'UserCreated') {
    const { user_id, application_id, company_id, username, meta, phone_numbers, emails, account_type, ...rest } = event.data;
    return {
      user_id,
      application_id,
      company_id,
      username,
      ...rest,
      meta,
      phone_numbers,
      emails,
      account_type,
      active: true,
      archive: false,
      created_at: at,
      updated_at: at,
      seq: Number(stored.position),
      revision: stored.revision,
    };
  }
  if (view === null) return null;
  const next: CustomerView = { ...view, updated_at: at, revision: stored.revision };
  switch (event.type) {
    case 'UserUpdated':
      for (const [key, value] of Object.entries(event.data)) {
        if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
      }
      return next;
    case 'UserBlocked':
      return { ...next, active: false };
    case 'UserUnblocked':
      return { ...next, active: true };
    case 'UserArchived':
      return { ...next, archive: true, deleted_on: at };
    case 'UserRestored': {
      const { deleted_on: _deleted, ...restored } = next;
      return { ...restored, archive: false };
    }
    case 'UserErased':
      return erasedView(next, at);
    case 'UserPasswordSet':
      return { ...view, has_password: true, revision: stored.revision };
    case 'UserLoginFailed':
    case 'UserLockedOut':
      // Audit only; the profile did not change.
      return { ...view, revision: stored.revision };
    case 'UserContactVerified':
    case 'UserContactAdded':
    case 'UserContactRemoved':
    case 'UserPrimaryContactSet':
      return applyContactEvent(next, event);
    default:
      return next;
  }
}

/**
 * What remains of an erased customer: a tombstone that says the account existed and was erased
 * (archived, so lists leave it out), with none of the person's data and no search keys.
 */
function erasedView(view: CustomerView, at: string): CustomerView {
  return {
    user_id: view.user_id,
    application_id: view.application_id,
    company_id: view.company_id,
    username: ERASED,
    meta: {},
    phone_numbers: [],
    emails: [],
    account_type: view.account_type,
    active: false,
    archive: true,
    deleted_on: at,
    erased_on: at,
    created_at: view.created_at,
    updated_at: at,
    seq: view.seq,
    revision: view.revision,
  };
}

/** Lookup keys a customer can be found by: normalized so a search need not guess the spelling. */
export function searchKeysOf(view: CustomerView): Array<{ kind: string; value: string }> {
  if (view.erased_on !== undefined) return [];
  return [
    ...view.emails.map((e) => ({ kind: 'email', value: e.email.toLowerCase() })),
    ...view.phone_numbers.flatMap((p) => [
      { kind: 'phone', value: `${p.country_code}${p.phone}` },
      { kind: 'phone_national', value: p.phone },
    ]),
    { kind: 'username', value: view.username.toLowerCase() },
  ];
}
