import { RouteGroup } from '../routeTable.js';
import { registerWithForm } from '../../commands/signin/registration.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { userReply } from './replies.js';
import { registerBody } from './schemas.js';
import { beginSession } from './storefrontSession.js';

/** registerWithForm: the account at once, or the OTPs still to verify (RegisterFormSuccess). */
export function registrationRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();

  router.post('/authentication/v1.0/register/form', async (req, res) => {
    const body = parseInput(registerBody, req.body, 'body');
    await deps.limits.check(req, body.email ?? body.phone?.mobile ?? '');
    const config = await configOf(deps, req);
    const caller = storefrontCaller(req);
    const step = await registerWithForm(deps.signin, caller, body, config);
    if (step.kind === 'created') {
      await beginSession(deps.signin, caller, res, step.account, config, deps.cookieSecure);
      res.json({
        success: true,
        message: 'registered',
        user_exists: false,
        verify_mobile_otp: false,
        verify_email_otp: false,
        user: await userReply(deps.customers, caller.application_id, step.account.user_id),
      });
      return;
    }
    res.json({
      success: true,
      message: 'OTP sent: verify to finish registering',
      user_exists: false,
      register_token: step.register_token,
      verify_mobile_otp: step.verify_mobile_otp,
      verify_email_otp: step.verify_email_otp,
      resend_timer: step.resend_timer,
      ...(step.request_id === undefined ? {} : { request_id: step.request_id, resend_token: step.request_id }),
      ...(step.phone === undefined ? {} : { mobile: step.phone.phone, country_code: String(step.phone.country_code) }),
      ...(step.email === undefined ? {} : { email: step.email }),
    });
  });

  return router;
}
