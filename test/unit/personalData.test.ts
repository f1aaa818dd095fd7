import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventCatalogue } from '../../src/events/catalogue.js';
import { LOOKS_PERSONAL, NOT_PERSONAL, PERSONAL_FIELDS } from '../../src/events/personalData.js';
import { ERASED, MissingDataKeyError, openEvent, sealEvent } from '../../src/events/personalDataCodec.js';

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
};

/** Every field of a schema as `a.b` / `list[].field`, with its own schema (union members merged). */
function fieldsOf(schema: JsonSchema, prefix = ''): Array<{ path: string; name: string; schema: JsonSchema }> {
  const members = schema.anyOf ?? schema.oneOf;
  if (members !== undefined) return members.flatMap((m) => fieldsOf(m, prefix));
  const out: Array<{ path: string; name: string; schema: JsonSchema }> = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push({ path, name, schema: child });
    if (child.type === 'array' && child.items !== undefined) out.push(...fieldsOf(child.items, `${path}[]`));
    else if (child.properties !== undefined || child.anyOf !== undefined || child.oneOf !== undefined) out.push(...fieldsOf(child, path));
  }
  return out;
}

const jsonSchemaOf = (type: string): JsonSchema =>
  z.toJSONSchema(eventCatalogue[type]!.schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;

const isDeclared = (type: string, path: string) =>
  (PERSONAL_FIELDS[type] ?? []).some((declared) => path === declared || path.startsWith(`${declared}.`) || path.startsWith(`${declared}[]`));

describe('personal data declarations (guard for event types added later)', () => {
  it('declares every event field whose name looks personal, or says why it is not', () => {
    const undeclared: string[] = [];
    for (const type of Object.keys(eventCatalogue)) {
      const exempt = NOT_PERSONAL[type] ?? {};
      if (exempt['*'] !== undefined) continue;
      for (const field of fieldsOf(jsonSchemaOf(type))) {
        // A list or object with fields of its own is judged by those fields.
        const container = field.schema.items?.properties !== undefined || field.schema.properties !== undefined;
        if (container || !LOOKS_PERSONAL.test(field.name) || isDeclared(type, field.path) || exempt[field.name] !== undefined) continue;
        undeclared.push(`${type}.${field.path}`);
      }
    }
    expect(undeclared, 'declare these in PERSONAL_FIELDS (src/events/personalData.ts), or in NOT_PERSONAL with a reason').toEqual([]);
  });

  it('names only fields that exist, and whose schema accepts the erased marker', () => {
    for (const [type, paths] of Object.entries(PERSONAL_FIELDS)) {
      expect(eventCatalogue[type], `${type} is not in the catalogue`).toBeDefined();
      const fields = new Map(fieldsOf(jsonSchemaOf(type)).map((f) => [f.path, f.schema]));
      for (const path of paths) {
        const schema = fields.get(path);
        expect(schema, `${type}.${path} is not a field of its schema`).toBeDefined();
        if (schema?.type === 'string') {
          // A format, pattern, enum or length limit would reject "[erased]" on replay.
          expect([schema.format, schema.pattern, schema.enum, schema.const], `${type}.${path} must accept "${ERASED}"`).toEqual([undefined, undefined, undefined, undefined]);
          expect(schema.minLength ?? 0).toBeLessThanOrEqual(ERASED.length);
        }
      }
    }
  });
});

describe('personal data codec', () => {
  const key = randomBytes(32);
  const created = {
    user_id: 'u1',
    application_id: 'a1',
    company_id: '1',
    username: 'ann',
    first_name: 'Ann',
    meta: { tier: 'gold' },
    phone_numbers: [{ phone: '9800000001', country_code: 91, active: true, primary: true, verified: false }],
    emails: [{ email: 'ann@example.com', active: true, primary: true, verified: false }],
    account_type: 'user',
  };
  const { data: sealedData, sealed } = sealEvent('UserCreated', created, key, 'u1/e1');
  const open = (subjectKey: Parameters<typeof openEvent>[3], binding = 'u1/e1') => openEvent('UserCreated', sealedData, sealed, subjectKey, binding);

  it('seals each declared field and nothing else, and opens them again with the right key', () => {
    const text = JSON.stringify(sealedData) + String(sealed);
    for (const secret of ['ann@example.com', '9800000001', '"Ann"', 'gold']) expect(text).not.toContain(secret);
    expect(sealedData).toMatchObject({ user_id: 'u1', application_id: 'a1', account_type: 'user', first_name: 'pii1:s', meta: 'pii1:o', phone_numbers: [{ phone: 'pii1:s', country_code: 91, primary: true }] });
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(open(key)).toEqual(created);
  });

  it('reads an erased person as markers the event schema still accepts', () => {
    const erased = open('erased');
    expect(erased).toMatchObject({ username: ERASED, first_name: ERASED, meta: {}, emails: [{ email: ERASED, primary: true }], phone_numbers: [{ phone: ERASED, country_code: 91 }] });
    expect(eventCatalogue.UserCreated!.schema.safeParse(erased).success).toBe(true);
    // Writing for an erased person puts markers in the log, never the clear value.
    expect(sealEvent('UserCreated', created, 'erased', 'u1/e1')).toEqual({ data: erased });
  });

  it('refuses a wrong key, values moved to another person or event, and a missing key, rather than guessing', () => {
    expect(() => open(randomBytes(32))).toThrow();
    expect(() => open(key, 'u2/e1')).toThrow();
    expect(() => open(key, 'u1/e2')).toThrow();
    expect(() => open(undefined)).toThrow(MissingDataKeyError);
  });

  it('gives every kind of personal event a shape its schema accepts once erased', () => {
    const samples: Record<string, unknown> = {
      UserUpdated: { first_name: 'Ann', emails: created.emails, meta: { a: 1 } },
      UserPasswordSet: { password_hash: '$argon2id$v=19$m=19456,t=2,p=1$abc$def', reason: 'registration' },
      UserLoginFailed: { attempt: 1, method: 'password', reason: 'wrong_password', ip: '203.0.113.9' },
      UserContactVerified: { kind: 'phone', phone: '9800000001', country_code: 91 },
      SessionStarted: { session_id: 's', user_id: 'u1', application_id: 'a1', domain: 'shop', expires_at: 'x', user_agent: 'UA', ip: '203.0.113.9' },
      UserAttributeSet: { attribute_id: 'x', application_id: 'a1', definition_id: 'd', user_id: 'u1', value: ['a', 'b'], encrypted: false, customer_overridden: false },
    };
    for (const [type, data] of Object.entries(samples)) {
      expect(eventCatalogue[type]!.schema.safeParse(data).success, type).toBe(true);
      const sealedSample = sealEvent(type, data, key, 'u1/e1');
      expect(JSON.stringify(sealedSample.data), type).not.toMatch(/Ann|argon2|203\.0|9800000001|"UA"/);
      expect(openEvent(type, sealedSample.data, sealedSample.sealed, key, 'u1/e1'), type).toEqual(data);
      const erased = openEvent(type, sealedSample.data, sealedSample.sealed, 'erased', 'u1/e1');
      expect(JSON.stringify(erased), type).not.toMatch(/Ann|argon2|203\.0|9800000001|"UA"/);
      expect(eventCatalogue[type]!.schema.safeParse(erased).success, `${type} erased: ${JSON.stringify(erased)}`).toBe(true);
    }
  });

  it('passes events written before encryption, and types without personal data, through unchanged', () => {
    expect(openEvent('UserCreated', created, undefined, undefined, 'u1/e1')).toBe(created);
    const blocked = { reason: 'fraud' };
    expect(sealEvent('UserBlocked', blocked, key, 'u1/e1')).toEqual({ data: blocked });
  });
});
