import { USER_STREAM_PREFIX } from './customerEvents.js';
import { GROUP_IMPORT_STREAM_PREFIX } from './groupEvents.js';

/**
 * Where each event type carries personal data, as paths into its `data`: `a.b` for a nested
 * field, `list[].field` for a field of every element, `list[]` for every element. These fields
 * are encrypted in the log with the data key of the person the event is about, and read back as
 * the erased marker once that key is destroyed (see README, "Right to be forgotten").
 *
 * A new event type with a field that looks personal must be declared here, or in
 * `NOT_PERSONAL` with the reason it is not: test/unit/personalData.test.ts fails otherwise.
 */
export const PERSONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  UserCreated: ['username', 'first_name', 'last_name', 'gender', 'dob', 'meta', 'emails[].email', 'phone_numbers[].phone'],
  UserUpdated: ['first_name', 'last_name', 'gender', 'dob', 'profile_pic_url', 'meta', 'emails[].email', 'phone_numbers[].phone'],
  /** A hash, but of something only this person knows: nothing of it should outlive them. */
  UserPasswordSet: ['password_hash'],
  UserLoginFailed: ['ip'],
  UserContactVerified: ['email', 'phone'],
  UserContactAdded: ['contact.email', 'contact.phone'],
  UserContactRemoved: ['contact.email', 'contact.phone'],
  UserPrimaryContactSet: ['contact.email', 'contact.phone'],
  /** The provider's id of the person: as identifying as an email, and kept by the provider. */
  UserSocialAccountLinked: ['subject'],
  SessionStarted: ['user_agent', 'ip'],
  /** Every value, encrypted attribute or not: what a merchant records about a person is theirs. */
  UserAttributeSet: ['value'],
  /**
   * A CSV import's rows that named no customer quote the file (emails, phone numbers of people
   * who are not customers). They are sealed with a key of the import itself: destroying it
   * (`npm run cli -- groups forget-report <job_id>`) forgets them.
   */
  UserGroupMembersChanged: ['rejected[].value'],
};

/** Fields whose names look personal but are not, with the reason; the guard test reads this. */
export const NOT_PERSONAL: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  /** `*`: the whole type. */
  PlatformConfigUpdated: { '*': "a sales channel's sign-in settings and provider secrets (encrypted), no person's data" },
  PlatformClientRegistered: { name: 'the name of a back-office API client' },
  ApplicationRegistered: { name: 'the name of a sales channel', token_hash: "a hash of the sales channel's own token" },
  ApplicationTokenRotated: { token_hash: "a hash of the sales channel's own token" },
  AttributeDefinitionCreated: { name: "the attribute's display name, chosen by the merchant" },
  AttributeDefinitionUpdated: { name: "the attribute's display name, chosen by the merchant" },
  SessionStarted: { domain: 'the storefront domain the session was opened on' },
  UserGroupCreated: { name: "the group's name, chosen by the merchant" },
  UserGroupUpdated: { name: "the group's name, chosen by the merchant" },
};

/** Names that suggest a person's data; a schema field matching one must be declared above. */
export const LOOKS_PERSONAL =
  /(e-?mail|phone|mobile|name|dob|birth|gender|^ip$|_ip$|ip_address|user_agent|address|avatar|profile_pic|picture|image|photo|social|password|meta|token|latitude|longitude|location)/i;

/**
 * The person an event is about: the user id its data names, else the user of its stream. Events
 * of future types follow the same rule, so a new user event needs no change here.
 */
export function subjectOf(stream: string, data: unknown): string | undefined {
  // An import's batches: whoever its rejected rows name, the import holds them.
  if (stream.startsWith(GROUP_IMPORT_STREAM_PREFIX)) return stream;
  if (typeof data === 'object' && data !== null) {
    const userId = (data as { user_id?: unknown }).user_id;
    if (typeof userId === 'string' && userId !== '') return userId;
  }
  return stream.startsWith(USER_STREAM_PREFIX) ? stream.slice(USER_STREAM_PREFIX.length) : undefined;
}

type Visitor = (value: unknown) => unknown;

/** Whether this event's data holds any value at its type's personal paths. */
export function carriesPersonalValues(type: string, data: unknown): boolean {
  let found = false;
  mapPersonal(type, data, (value) => {
    if (value !== undefined) found = true;
    return value;
  });
  return found;
}

/** Rewrites the values at `path` (a copy along the way; the input is left as it was). */
export function mapPath(data: unknown, path: readonly string[], visit: Visitor): unknown {
  if (path.length === 0) return visit(data);
  const [head = '', ...rest] = path;
  const isList = head.endsWith('[]');
  const key = isList ? head.slice(0, -2) : head;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  if (!(key in record) || record[key] === undefined) return data;
  const current = record[key];
  let next: unknown;
  if (isList) {
    if (!Array.isArray(current)) return data;
    next = current.map((element) => mapPath(element, rest, visit));
  } else {
    next = mapPath(current, rest, visit);
  }
  return next === current ? data : { ...record, [key]: next };
}

const parsedPaths = new Map<string, string[][]>();

/** The declared paths of a type, split once. */
export function personalPathsOf(type: string): string[][] {
  let paths = parsedPaths.get(type);
  if (paths === undefined) {
    paths = (PERSONAL_FIELDS[type] ?? []).map((p) => p.split('.'));
    parsedPaths.set(type, paths);
  }
  return paths;
}

/** Applies `visit` to every personal value of an event's data. */
export function mapPersonal(type: string, data: unknown, visit: Visitor): unknown {
  let out = data;
  for (const path of personalPathsOf(type)) out = mapPath(out, path, visit);
  return out;
}
