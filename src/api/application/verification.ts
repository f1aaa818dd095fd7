import { RouteGroup } from '../routeTable.js';
import { signInWithLinkToken, verifyContactLink } from '../../commands/signin/otpSignIn.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { userReply } from './replies.js';
import { codeBody, tokenBody } from './schemas.js';
import { beginSession } from './storefrontSession.js';

const A = '/authentication/v1.0';

/** verifyEmail, verifyMobile (codes from verification links) and loginWithToken (the one-click token). */
export function verificationRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();

  for (const [path, channel, what] of [
    ['verify/email', 'email', 'email'],
    ['verify/mobile', 'sms', 'mobile number'],
  ] as const) {
    router.post(`${A}/${path}`, async (req, res) => {
      const { code } = parseInput(codeBody, req.body, 'body');
      await deps.limits.check(req, code.split('.')[0]);
      await verifyContactLink(deps.signin, storefrontCaller(req), code, channel);
      res.json({ message: `${what} verified` });
    });
  }

  router.post(`${A}/login/token`, async (req, res) => {
    const { token } = parseInput(tokenBody, req.body, 'body');
    await deps.limits.check(req, token.split('.')[0]);
    const config = await configOf(deps, req);
    const caller = storefrontCaller(req);
    const account = await signInWithLinkToken(deps.signin, caller, token, config);
    await beginSession(deps.signin, caller, res, account, config, deps.cookieSecure);
    res.json({ user: await userReply(deps.customers, caller.application_id, account.user_id) });
  });

  return router;
}
