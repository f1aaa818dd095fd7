import { RouteGroup } from '../routeTable.js';
import { endSessions } from '../../commands/session/sessions.js';
import { toUserSchema } from '../platform/customerMapping.js';
import { storefrontCaller } from './caller.js';
import type { StorefrontDeps } from './deps.js';
import { clearSessionCookie, requireShopper, type Shopper } from './storefrontSession.js';

export const shopperOf = (req: { shopper?: Shopper }): Shopper => {
  if (req.shopper === undefined) throw new Error('route without requireShopper');
  return req.shopper;
};

/** getLoggedInUser, getListOfActiveSessions, logout. */
export function sessionRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const shopper = requireShopper({ sessions: deps.signin, customers: deps.customers });

  router.get('/authentication/v1.0/session', shopper, (req, res) => {
    res.json({ user: toUserSchema(shopperOf(req).view) });
  });

  router.get('/authentication/v1.0/sessions', shopper, async (req, res) => {
    const { session } = shopperOf(req);
    const now = deps.signin.clock.now().getTime();
    const sessions = await deps.signin.sessions.listForUser(session.application_id, session.user_id, now);
    res.json({ sessions: sessions.map((s) => s.session_id) });
  });

  router.get('/authentication/v1.0/logout', shopper, async (req, res) => {
    const { session } = shopperOf(req);
    await endSessions(deps.signin, storefrontCaller(req).context('logout', session.user_id), {
      application_id: session.application_id,
      user_id: session.user_id,
      session_ids: [session.session_id],
      reason: 'logout',
    });
    clearSessionCookie(res, deps.cookieSecure);
    res.json({ logout: true });
  });

  return router;
}
