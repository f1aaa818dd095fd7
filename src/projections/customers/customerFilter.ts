import { invalid } from '../../shared/errors.js';

/**
 * The typed query that list and search pass to a read store. Parsed from the `q` JSON against a
 * whitelist, so a client's raw filter never reaches a database.
 */
export type CustomerField =
  | 'email'
  | 'phone'
  | 'username'
  | 'user_id'
  | 'first_name'
  | 'last_name'
  | 'gender'
  | 'external_id'
  | 'rr_id'
  | 'active'
  | 'archive';

export type CustomerFilter =
  | { op: 'and'; filters: CustomerFilter[] }
  | { op: 'or'; filters: CustomerFilter[] }
  | { op: 'eq'; field: CustomerField; value: string | boolean }
  | { op: 'in'; field: CustomerField; values: Array<string | boolean> }
  | { op: 'regex'; field: CustomerField; pattern: string; caseInsensitive: boolean };

/** Fields that live in the identifier side table rather than on the customer row. */
export const identifierFields: ReadonlySet<CustomerField> = new Set(['email', 'phone', 'username']);

const FIELD_ALIASES: Record<string, CustomerField> = {
  'emails.email': 'email',
  email: 'email',
  'phoneNumbers.phone': 'phone',
  'phone_numbers.phone': 'phone',
  phone: 'phone',
  username: 'username',
  _id: 'user_id',
  user_id: 'user_id',
  first_name: 'first_name',
  firstName: 'first_name',
  last_name: 'last_name',
  lastName: 'last_name',
  gender: 'gender',
  external_id: 'external_id',
  rr_id: 'rr_id',
  active: 'active',
  archive: 'archive',
};

const BOOLEAN_FIELDS: ReadonlySet<CustomerField> = new Set(['active', 'archive']);
export const MAX_REGEX_LENGTH = 64;
const MAX_DEPTH = 4;
const MAX_NODES = 50;

/** Values are normalized the way the read model stores them, so equality is exact. */
export function normalizeValue(field: CustomerField, value: string): string {
  if (field === 'email' || field === 'username') return value.trim().toLowerCase();
  if (field === 'phone') return value.replace(/[\s\-()+]/g, '');
  return value;
}

export function parseCustomerQuery(q: string): CustomerFilter {
  const text = q.trim();
  if (!text.startsWith('{')) return plainSearch(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('q', 'is neither a plain email/phone/username nor valid JSON');
  }
  const counter = { nodes: 0 };
  return parseNode(json, 'q', 0, counter);
}

/** A bare value: whichever identifier it matches. */
export function plainSearch(value: string): CustomerFilter {
  const filters: CustomerFilter[] = [];
  if (value.includes('@')) filters.push({ op: 'eq', field: 'email', value: normalizeValue('email', value) });
  const digits = normalizeValue('phone', value);
  if (/^\d{4,15}$/.test(digits)) filters.push({ op: 'eq', field: 'phone', value: digits });
  filters.push({ op: 'eq', field: 'username', value: normalizeValue('username', value) });
  if (/^[a-f0-9]{24}$/i.test(value)) filters.push({ op: 'eq', field: 'user_id', value });
  return { op: 'or', filters };
}

function parseNode(node: unknown, path: string, depth: number, counter: { nodes: number }): CustomerFilter {
  if (depth > MAX_DEPTH) throw invalid(path, `nests deeper than ${MAX_DEPTH} levels`);
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw invalid(path, 'must be a JSON object');
  const entries = Object.entries(node);
  if (entries.length === 0) throw invalid(path, 'is an empty filter');
  const filters = entries.map(([key, value]) => {
    counter.nodes += 1;
    if (counter.nodes > MAX_NODES) throw invalid('q', `has more than ${MAX_NODES} conditions`);
    if (key === '$or' || key === '$and') {
      if (!Array.isArray(value) || value.length === 0) throw invalid(`${path}.${key}`, 'must be a non-empty array');
      return {
        op: key === '$or' ? ('or' as const) : ('and' as const),
        filters: value.map((child, i) => parseNode(child, `${path}.${key}[${i}]`, depth + 1, counter)),
      };
    }
    if (key.startsWith('$')) throw invalid(`${path}.${key}`, 'operator is not allowed');
    const field = FIELD_ALIASES[key];
    if (field === undefined) throw invalid(`${path}.${key}`, 'field cannot be filtered on');
    return parseCondition(field, value, `${path}.${key}`);
  });
  return filters.length === 1 && filters[0] !== undefined ? filters[0] : { op: 'and', filters };
}

function scalar(field: CustomerField, value: unknown, path: string): string | boolean {
  if (BOOLEAN_FIELDS.has(field)) {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw invalid(path, 'must be true or false');
  }
  if (typeof value === 'number' && Number.isFinite(value)) return normalizeValue(field, String(value));
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  if (value.length > 320) throw invalid(path, 'is longer than 320 characters');
  return normalizeValue(field, value);
}

function parseCondition(field: CustomerField, value: unknown, path: string): CustomerFilter {
  if (typeof value !== 'object' || value === null) return { op: 'eq', field, value: scalar(field, value, path) };
  if (Array.isArray(value)) throw invalid(path, 'must be a value or an operator object');
  const ops = Object.entries(value);
  const options = (value as Record<string, unknown>).$options;
  const conditions: CustomerFilter[] = [];
  for (const [op, operand] of ops) {
    const opPath = `${path}.${op}`;
    switch (op) {
      case '$eq':
        conditions.push({ op: 'eq', field, value: scalar(field, operand, opPath) });
        break;
      case '$in':
        if (!Array.isArray(operand) || operand.length === 0 || operand.length > 100) {
          throw invalid(opPath, 'must be an array of 1 to 100 values');
        }
        conditions.push({ op: 'in', field, values: operand.map((v, i) => scalar(field, v, `${opPath}[${i}]`)) });
        break;
      case '$regex':
        conditions.push(parseRegex(field, operand, options, opPath));
        break;
      case '$options':
        if (!('$regex' in value)) throw invalid(opPath, 'is only allowed next to $regex');
        break;
      default:
        throw invalid(opPath, 'operator is not allowed (allowed: $eq, $in, $regex, $options, $or, $and)');
    }
  }
  if (conditions.length === 0) throw invalid(path, 'has no condition');
  return conditions.length === 1 && conditions[0] !== undefined ? conditions[0] : { op: 'and', filters: conditions };
}

function parseRegex(field: CustomerField, pattern: unknown, options: unknown, path: string): CustomerFilter {
  if (BOOLEAN_FIELDS.has(field)) throw invalid(path, 'cannot be used on a boolean field');
  if (typeof pattern !== 'string' || pattern.length === 0) throw invalid(path, 'must be a non-empty string');
  if (pattern.length > MAX_REGEX_LENGTH) throw invalid(path, `is longer than ${MAX_REGEX_LENGTH} characters`);
  // Nested quantifiers are how a short pattern takes exponential time; refuse them outright.
  if (/\([^)]*[+*}][^)]*\)\s*[+*{]/.test(pattern) || /\\[1-9]/.test(pattern)) {
    throw invalid(path, 'nested quantifiers and back-references are not allowed');
  }
  if (options !== undefined && options !== '' && options !== 'i') throw invalid(`${path.replace(/\$regex$/, '')}$options`, "only 'i' is allowed");
  try {
    new RegExp(pattern, 'u');
  } catch {
    throw invalid(path, 'is not a valid regular expression');
  }
  return { op: 'regex', field, pattern, caseInsensitive: options === 'i' || field === 'email' || field === 'username' };
}
