import { RouteGroup } from '../routeTable.js';
import { parseEmail, parseMobile } from '../../commands/signin/contacts.js';
import { checkResetCode, resetPasswordWithCode, sendResetLink } from '../../commands/signin/passwordReset.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { userReply } from './replies.js';
import { codeBody, newPasswordBody, resetEmailBody, resetMobileBody } from './schemas.js';

const A = '/authentication/v1.0';

/**
 * Reset links and codes. The send replies are the same whether or not an account exists; a
 * reset never signs anyone in (forgotPassword replies with the user but sets no cookie).
 */
export function passwordResetRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();

  router.post(`${A}/login/password/reset`, async (req, res) => {
    const body = parseInput(resetEmailBody, req.body, 'body');
    const email = parseEmail('body.email', body.email);
    await deps.limits.check(req, email.email);
    await sendResetLink(deps.signin, storefrontCaller(req), email, await configOf(deps, req));
    res.json({ status: 'sent' });
  });

  router.post(`${A}/login/password/mobile/reset`, async (req, res) => {
    const body = parseInput(resetMobileBody, req.body, 'body');
    const mobile = parseMobile('body.mobile', body.mobile, deps.signin.defaultCountryCode, body.country_code);
    await deps.limits.check(req, `${mobile.country_code}${mobile.phone}`);
    await sendResetLink(deps.signin, storefrontCaller(req), mobile, await configOf(deps, req));
    // SDK 1.4.13 checks this one reply against Joi.string() (3.4.2 against nothing): a JSON string it is.
    res.json('sent');
  });

  router.post(`${A}/login/password/reset/token`, async (req, res) => {
    const { code } = parseInput(codeBody, req.body, 'body');
    await deps.limits.check(req, code.split('.')[0]);
    await checkResetCode(deps.signin, storefrontCaller(req), code, await configOf(deps, req));
    res.json({ status: 'valid' });
  });

  router.post(`${A}/login/password/reset/forgot`, async (req, res) => {
    const body = parseInput(newPasswordBody, req.body, 'body');
    await deps.limits.check(req, body.code.split('.')[0]);
    const caller = storefrontCaller(req);
    const account = await resetPasswordWithCode(deps.signin, caller, body.code, body.password, await configOf(deps, req));
    res.json({ user: await userReply(deps.customers, caller.application_id, account.user_id) });
  });

  router.post(`${A}/login/password/forgot`, async (req, res) => {
    const body = parseInput(newPasswordBody, req.body, 'body');
    await deps.limits.check(req, body.code.split('.')[0]);
    await resetPasswordWithCode(deps.signin, storefrontCaller(req), body.code, body.password, await configOf(deps, req));
    res.json({ success: true });
  });

  return router;
}
