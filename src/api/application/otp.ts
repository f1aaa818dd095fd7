import { type Request, type Response } from 'express';
import { RouteGroup } from '../routeTable.js';
import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import { parseEmail, parseMobile } from '../../commands/signin/contacts.js';
import { RESEND_TIMER_SECONDS } from '../../commands/signin/otpCodes.js';
import { otpLoginDisabled, sendContactOtp, verifyContactOtp, type ContactOutcome } from '../../commands/signin/otpSignIn.js';
import { sendForgotOtp, verifyForgotOtp } from '../../commands/signin/passwordReset.js';
import type { StorefrontCaller } from '../../commands/signin/caller.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { userReply } from './replies.js';
import { emailOtpBody, mobileOtpBody, verifyEmailOtpBody, verifyForgotEmailBody, verifyForgotMobileBody, verifyMobileOtpBody } from './schemas.js';
import { beginSession } from './storefrontSession.js';

const A = '/authentication/v1.0';

/** OTP send and verify: sign-in, registration, forgotten password (mobile and email). */
export function otpRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const cc = deps.signin.defaultCountryCode;

  const mobileOf = (body: { mobile: string; country_code?: string | undefined }) => parseMobile('body.mobile', body.mobile, cc, body.country_code);
  const otpSent = (requestId: string, mobile: { phone: string; country_code: number }) => ({
    success: true,
    message: 'OTP sent',
    request_id: requestId,
    resend_token: requestId,
    resend_timer: RESEND_TIMER_SECONDS,
    mobile: mobile.phone,
    country_code: String(mobile.country_code),
  });

  async function mobileSend(req: Request, res: Response, loginOnly: boolean) {
    const body = parseInput(mobileOtpBody, req.body, 'body');
    const mobile = mobileOf(body);
    await deps.limits.check(req, `${mobile.country_code}${mobile.phone}`);
    const config = await configOf(deps, req);
    if (loginOnly && !config.login.otp) throw otpLoginDisabled();
    res.json(otpSent(await sendContactOtp(deps.signin, storefrontCaller(req), mobile, config), mobile));
  }
  router.post(`${A}/login/otp`, (req, res) => mobileSend(req, res, true));
  router.post(`${A}/otp/mobile/send`, (req, res) => mobileSend(req, res, false));

  router.post(`${A}/otp/email/send`, async (req, res) => {
    const body = parseInput(emailOtpBody, req.body, 'body');
    const email = parseEmail('body.email', body.email);
    await deps.limits.check(req, email.email);
    const requestId = await sendContactOtp(deps.signin, storefrontCaller(req), email, await configOf(deps, req));
    res.json({ success: true, resend_email_token: requestId });
  });

  async function replyToOutcome(res: Response, caller: StorefrontCaller, config: PlatformConfig, outcome: ContactOutcome) {
    const account = outcome.kind === 'signed_in' ? outcome.account : outcome.kind === 'registration' && outcome.step.kind === 'created' ? outcome.step.account : undefined;
    if (account !== undefined) {
      await beginSession(deps.signin, caller, res, account, config, deps.cookieSecure);
      res.json({ user_exists: true, user: await userReply(deps.customers, caller.application_id, account.user_id) });
      return;
    }
    if (outcome.kind === 'registration' && outcome.step.kind === 'pending') {
      const { step } = outcome;
      res.json({ user_exists: false, register_token: step.register_token, verify_mobile_otp: step.verify_mobile_otp, verify_email_otp: step.verify_email_otp });
      return;
    }
    res.json({ user_exists: false, register_token: outcome.kind === 'unknown' ? outcome.register_token : '' });
  }

  router.post(`${A}/otp/mobile/verify`, async (req, res) => {
    const body = parseInput(verifyMobileOtpBody, req.body, 'body');
    await deps.limits.check(req, body.request_id);
    const config = await configOf(deps, req);
    const caller = storefrontCaller(req);
    const input = { via: 'sms' as const, request_id: body.request_id, otp: body.otp, ...(body.register_token === undefined ? {} : { register_token: body.register_token }) };
    await replyToOutcome(res, caller, config, await verifyContactOtp(deps.signin, caller, input, config));
  });

  router.post(`${A}/otp/email/verify`, async (req, res) => {
    const body = parseInput(verifyEmailOtpBody, req.body, 'body');
    const email = parseEmail('body.email', body.email);
    await deps.limits.check(req, email.email);
    const config = await configOf(deps, req);
    const caller = storefrontCaller(req);
    const input = { via: 'email' as const, email: email.email, otp: body.otp, ...(body.register_token === undefined ? {} : { register_token: body.register_token }) };
    await replyToOutcome(res, caller, config, await verifyContactOtp(deps.signin, caller, input, config));
  });

  router.post(`${A}/otp/forgot/mobile/send`, async (req, res) => {
    const body = parseInput(mobileOtpBody, req.body, 'body');
    const mobile = mobileOf(body);
    await deps.limits.check(req, `${mobile.country_code}${mobile.phone}`);
    res.json(otpSent(await sendForgotOtp(deps.signin, storefrontCaller(req), mobile, await configOf(deps, req)), mobile));
  });

  router.post(`${A}/otp/forgot/email/send`, async (req, res) => {
    const body = parseInput(emailOtpBody, req.body, 'body');
    const email = parseEmail('body.email', body.email);
    await deps.limits.check(req, email.email);
    const requestId = await sendForgotOtp(deps.signin, storefrontCaller(req), email, await configOf(deps, req));
    res.json({ success: true, resend_email_token: requestId });
  });

  router.post(`${A}/otp/forgot/mobile/verify`, async (req, res) => {
    const body = parseInput(verifyForgotMobileBody, req.body, 'body');
    await deps.limits.check(req, body.request_id);
    const token = await verifyForgotOtp(deps.signin, storefrontCaller(req), { via: 'sms', request_id: body.request_id, otp: body.otp }, await configOf(deps, req));
    res.json({ success: true, forgot_token: token });
  });

  router.post(`${A}/otp/forgot/email/verify`, async (req, res) => {
    const body = parseInput(verifyForgotEmailBody, req.body, 'body');
    const email = parseEmail('body.email', body.email);
    await deps.limits.check(req, email.email);
    const token = await verifyForgotOtp(deps.signin, storefrontCaller(req), { via: 'email', email: email.email, otp: body.otp }, await configOf(deps, req));
    res.json({ success: true, forgot_token: token });
  });

  return router;
}
