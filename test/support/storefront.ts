import fdk from '@gofynd/fdk-client-javascript';
import fdkV3 from 'fdk-client-v3';
import type { Notification, Notifier } from '../../src/commands/notifications/notifier.js';
import type { ServiceOptions } from '../../src/main.js';
import { APP, APP_TOKEN, startTestService, type TestService } from './testService.js';

/** Keeps every message the service sends, so a test can read the OTP or link a shopper would receive. */
export class CapturingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  async send(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }
  last(template: string, to?: string): Notification {
    const found = this.sent.filter((n) => n.template === template && (to === undefined || n.to === to)).at(-1);
    if (found === undefined) throw new Error(`no ${template} message${to === undefined ? '' : ` to ${to}`}; sent: ${this.sent.map((n) => `${n.template}→${n.to}`).join(', ')}`);
    return found;
  }
  otp(to: string, template = 'otp_login'): string {
    return this.last(template, to).data.otp ?? '';
  }
  count(template: string, to?: string): number {
    return this.sent.filter((n) => n.template === template && (to === undefined || n.to === to)).length;
  }
}

export const APPLICATION_AUTH = `Bearer ${Buffer.from(`${APP}:${APP_TOKEN}`).toString('base64')}`;

/** Rate limits out of the way of tests that are not about them (every test calls from 127.0.0.1). */
export const RELAXED_LIMITS = { SIGNIN_RATE_LIMIT_PER_IP: '100000', SIGNIN_RATE_LIMIT_PER_ACCOUNT: '100000' };

export async function startStorefrontService(
  env: Record<string, string> = {},
  options: ServiceOptions = {},
): Promise<TestService & { notifier: CapturingNotifier }> {
  const notifier = new CapturingNotifier();
  const service = await startTestService({ TOKEN_TTL_SECONDS: '86400', ...RELAXED_LIMITS, ...env }, { notifier, ...options });
  return Object.assign(service, { notifier });
}

export interface StorefrontReply {
  status: number;
  body: Record<string, unknown>;
  /** The f.session value of a Set-Cookie, if the reply set one. */
  session?: string;
  setCookie: string[];
}

/** A storefront request: the sales channel's bearer header, and the session cookie when given. */
export async function storefront(
  t: TestService,
  method: string,
  path: string,
  body?: unknown,
  session?: string,
  authorization = APPLICATION_AUTH,
): Promise<StorefrontReply> {
  const headers: Record<string, string> = { authorization };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session !== undefined) headers.cookie = `f.session=${session}`;
  const res = await fetch(`${t.baseUrl}/service/application/user${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const setCookie = res.headers.getSetCookie();
  const value = setCookie.map((c) => /^f\.session=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined);
  return {
    status: res.status,
    body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {},
    ...(value === undefined || value === '' ? {} : { session: decodeURIComponent(value) }),
    setCookie,
  };
}

export interface Shopper {
  user_id: string;
  session: string;
  email: string;
  mobile: string;
  password: string;
}

let shoppers = 0;
/** A fresh, distinct identity: a possible Indian mobile number and an unused email. */
export function newIdentity(label = 'shopper'): { email: string; mobile: string; password: string } {
  shoppers += 1;
  const n = String(shoppers).padStart(4, '0');
  return { email: `${label}.${n}.${process.pid}@example.com`, mobile: `9${String(process.pid % 100000).padStart(5, '0')}${n}`, password: `quiet meadow ${n} lantern` };
}

/** Registers through the form and the mobile OTP (the default config: mobile required and verified). */
export async function registerShopper(t: TestService & { notifier: CapturingNotifier }, label?: string): Promise<Shopper> {
  const id = newIdentity(label);
  const form = await storefront(t, 'POST', '/authentication/v1.0/register/form', {
    first_name: 'Test',
    email: id.email,
    password: id.password,
    phone: { mobile: id.mobile, country_code: '91' },
  });
  if (form.status !== 200) throw new Error(`register: ${form.status} ${JSON.stringify(form.body)}`);
  const otp = t.notifier.otp(`+91${id.mobile}`, 'otp_register');
  const verified = await storefront(t, 'POST', '/authentication/v1.0/otp/mobile/verify', {
    request_id: form.body.request_id,
    otp,
    register_token: form.body.register_token,
  });
  if (verified.status !== 200 || verified.session === undefined) throw new Error(`verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  return { ...id, user_id: (verified.body.user as { user_id: string }).user_id, session: verified.session };
}

export type StorefrontClient = InstanceType<typeof fdk.ApplicationClient>;
type StorefrontSettings = ConstructorParameters<typeof fdk.ApplicationConfig>[0];

/**
 * Storefront suites run on 1.4.13, whose models check every reply, and again on 3.4.2, which
 * checks no storefront reply but builds its requests anew: same method names and parameters, so
 * its client is used through 1.4.13's type.
 */
export const STOREFRONT_SDKS = [
  {
    sdk: '1.4.13',
    connect(settings: StorefrontSettings): StorefrontClient {
      const config = new fdk.ApplicationConfig(settings, { strictResponseCheck: true });
      // 'SILENT' is a loglevel level the SDK passes through, though its typings list only TRACE..ERROR.
      config.setLogLevel('SILENT' as 'ERROR');
      return new fdk.ApplicationClient(config);
    },
  },
  {
    sdk: '3.4.2',
    connect(settings: StorefrontSettings): StorefrontClient {
      const config = new fdkV3.ApplicationConfig(settings, { strictResponseCheck: true });
      config.setLogLevel('SILENT' as 'ERROR');
      // The options belong to the config already given; 3.4's typings still ask for them here.
      return new fdkV3.ApplicationClient(config, undefined) as unknown as StorefrontClient;
    },
  },
];
