import { RouteGroup } from '../routeTable.js';
import { accountById } from '../../commands/signin/accounts.js';
import { checkPassword, signInWithPassword } from '../../commands/signin/passwordSignIn.js';
import { replacePassword } from '../../commands/signin/passwords.js';
import { DomainError, invalid } from '../../shared/errors.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { userReply } from './replies.js';
import { passwordLoginBody, updatePasswordBody } from './schemas.js';
import { beginSession, requireShopper, type Shopper } from './storefrontSession.js';

const shopperOf = (req: { shopper?: Shopper }): Shopper => {
  if (req.shopper === undefined) throw new Error('route without requireShopper');
  return req.shopper;
};

/** Password sign-in, hasPassword and updatePassword. */
export function passwordSignInRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const shopper = requireShopper({ sessions: deps.signin, customers: deps.customers });

  router.post('/authentication/v1.0/login/password', async (req, res) => {
    const body = parseInput(passwordLoginBody, req.body, 'body');
    await deps.limits.check(req, body.username);
    const config = await configOf(deps, req);
    if (!config.login.password) throw new DomainError('forbidden', 'password_login_disabled', 'sign-in with a password is turned off for this sales channel');
    const caller = storefrontCaller(req);
    const account = await signInWithPassword(deps.signin, caller, { username: body.username, password: body.password, settings: config.password_settings });
    await beginSession(deps.signin, caller, res, account, config, deps.cookieSecure);
    res.json({ user: await userReply(deps.customers, caller.application_id, account.user_id) });
  });

  router.get('/authentication/v1.0/has-password', shopper, async (req, res) => {
    res.json({ result: shopperOf(req).view.has_password === true ? 1 : 0 });
  });

  router.post('/authentication/v1.0/password', shopper, async (req, res) => {
    const body = parseInput(updatePasswordBody, req.body, 'body');
    const { session, view } = shopperOf(req);
    await deps.limits.check(req, `user:${view.user_id}`);
    const caller = storefrontCaller(req);
    const config = await configOf(deps, req);
    const account = await accountById(deps.signin, caller.application_id, view.user_id);
    if (account === null) throw new DomainError('unauthorized', 'not_signed_in', 'sign in first');
    // A user who signed up by OTP has no old password to give.
    if (account.state.password_hashes.length > 0 || body.old_password !== '') {
      if (!(await checkPassword(deps.signin, caller, account, body.old_password, 'old_password', config.password_settings))) {
        throw invalid('body.old_password', 'is incorrect');
      }
    }
    await replacePassword(deps.signin, caller, {
      user_id: account.user_id,
      state: account.state,
      password: body.new_password,
      field: 'body.new_password',
      reason: 'change',
      settings: config.password_settings,
      keep_session_id: session.session_id,
    });
    res.json({ message: 'password updated' });
  });

  return router;
}
