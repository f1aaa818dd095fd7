import type { Request, RequestHandler, Response } from 'express';
import { sessionDurationMs, type PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import type { Account } from '../../commands/signin/accounts.js';
import type { StorefrontCaller } from '../../commands/signin/caller.js';
import type { SessionRecord } from '../../commands/session/sessionStore.js';
import { endSessions, SESSION_COOKIE, startSession, validateSession, type SessionDeps } from '../../commands/session/sessions.js';
import type { CustomerView } from '../../projections/customers/customerView.js';
import type { CustomersReadModel } from '../../projections/readStore.js';
import { DomainError } from '../../shared/errors.js';
import { cancelAccountDeletion } from '../../commands/customer/deletion.js';

export interface Shopper {
  session: SessionRecord;
  view: CustomerView;
}

declare module 'express-serve-static-core' {
  interface Request {
    shopper?: Shopper;
  }
}

const notSignedIn = () => new DomainError('unauthorized', 'not_signed_in', 'sign in first: no valid session cookie');

export function sessionTokenOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function cookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  const attributes = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax'];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

export const clearSessionCookie = (res: Response, secure: boolean): void => {
  res.append('Set-Cookie', cookieHeader('', 0, secure));
};

/** A successful sign-in: a session as long as the channel's session_config says, and its cookie. */
export async function beginSession(
  deps: SessionDeps,
  caller: StorefrontCaller,
  res: Response,
  account: Account,
  config: PlatformConfig,
  secure: boolean,
): Promise<void> {
  await settlePendingDeletion(deps, caller, account, config);
  const durationMs = sessionDurationMs(config);
  const { token } = await startSession(deps, caller.context('startStorefrontSession', account.user_id), {
    user_id: account.user_id,
    application_id: caller.application_id,
    domain: caller.domain,
    user_agent: caller.user_agent,
    ip: caller.ip,
    duration_ms: durationMs,
    rolling: config.session_config.is_rolling,
  });
  res.append('Set-Cookie', cookieHeader(token, Math.floor(durationMs / 1000), secure));
}

/**
 * Signing in while a delete request waits withdraws it, unless the channel's
 * `delete_account_cancel_on_login` is false; then, as once its day has come, the sign-in is refused.
 */
async function settlePendingDeletion(deps: SessionDeps, caller: StorefrontCaller, account: Account, config: PlatformConfig): Promise<void> {
  const deletion = account.state.deletion;
  if (deletion === null) return;
  const due = new Date(deletion.delete_on).getTime() <= deps.clock.now().getTime();
  if (due || config.delete_account_cancel_on_login === false) {
    throw new DomainError('forbidden', 'account_deletion_pending', `this account is being deleted (on ${deletion.delete_on}) and cannot be signed in to`);
  }
  await cancelAccountDeletion(deps, caller.context('cancelAccountDeletion', account.user_id), account.user_id, 'signed in before the deletion date');
}

export const shopperOf = (req: { shopper?: Shopper }): Shopper => {
  if (req.shopper === undefined) throw new Error('route without requireShopper');
  return req.shopper;
};

/**
 * A signed-in shopper of this sales channel, or 401. A blocked or archived customer's sessions
 * end here too, should any have outlived the block.
 */
export function requireShopper(deps: { sessions: SessionDeps; customers: CustomersReadModel }): RequestHandler {
  return async (req, _res, next) => {
    const shopper = await findShopper(deps, req);
    if (shopper === null) throw notSignedIn();
    req.shopper = shopper;
    next();
  };
}

/** The signed-in shopper of this sales channel, if the request carries a live session cookie. */
export async function findShopper(deps: { sessions: SessionDeps; customers: CustomersReadModel }, req: Request): Promise<Shopper | null> {
  const token = sessionTokenOf(req);
  const applicationId = req.storefront?.application_id;
  if (token === undefined || token === '' || applicationId === undefined) return null;
  const session = await validateSession(deps.sessions, token);
  if (session === null || session.application_id !== applicationId) return null;
  const view = await deps.customers.get(applicationId, session.user_id);
  if (view === null || !view.active || view.archive) {
    if (view !== null) {
      await endSessions(deps.sessions, systemContext(req, view.company_id), {
        application_id: applicationId,
        user_id: session.user_id,
        reason: view.archive ? 'customer archived' : 'customer blocked',
      });
    }
    return null;
  }
  return { session, view };
}

function systemContext(req: Request, companyId: string) {
  return {
    name: 'endSessionsOfInactiveCustomer',
    commandId: `${String(req.id)}:end-inactive`,
    metadata: {
      company_id: companyId,
      ...(req.storefront === undefined ? {} : { application_id: req.storefront.application_id }),
      actor: { type: 'system' as const, id: 'session-check' },
      correlation_id: String(req.id),
    },
  };
}
