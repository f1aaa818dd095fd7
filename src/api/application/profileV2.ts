import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { sendOtpForUpdate, sendOtpOnPrimary, verifyOtpForUpdate, verifyOtpOnPrimary } from '../../commands/profile/primaryUpdate.js';
import { parseEmail, parseMobile } from '../../commands/signin/contacts.js';
import { RESEND_TIMER_SECONDS } from '../../commands/signin/otpCodes.js';
import { invalid } from '../../shared/errors.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import type { StorefrontDeps } from './deps.js';
import { accountOf, actorOf, profileDepsOf } from './profile.js';
import { entityParams, sendOtpForUpdateBody, sendPrimaryOtpBody, verifyOtpForUpdateBody, verifyPrimaryOtpBody } from './profileSchemas.js';
import { userReply } from './replies.js';
import { requireShopper } from './storefrontSession.js';

const V2 = '/profile/v2.0/:entity';

/**
 * Changing the primary email or mobile through OTPs (SDK 3.4): an OTP to the current primary,
 * then one to the new contact, which then becomes the verified primary.
 */
export function profileV2Router(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const shopper = requireShopper({ sessions: deps.signin, customers: deps.customers });
  const profile = profileDepsOf(deps);
  const entityOf = (req: Request) => parseInput(entityParams, req.params, 'params').entity;
  const sent = (requestId: string, mobile?: { phone: string; country_code: number }) => ({
    success: true,
    message: 'OTP sent',
    request_id: requestId,
    resend_token: requestId,
    resend_timer: RESEND_TIMER_SECONDS,
    ...(mobile === undefined ? {} : { mobile: mobile.phone, country_code: String(mobile.country_code) }),
  });

  router.post(`${V2}/primary/otp/send`, shopper, async (req, res) => {
    const entity = entityOf(req);
    parseInput(sendPrimaryOtpBody, req.body ?? {}, 'body');
    await deps.limits.check(req, actorOf(req).user_id);
    const { request_id, primary } = await sendOtpOnPrimary(profile, storefrontCaller(req), await accountOf(deps, req), entity);
    res.json(sent(request_id, primary.kind === 'phone' ? primary : undefined));
  });

  router.post(`${V2}/primary/otp/verify`, shopper, async (req, res) => {
    const entity = entityOf(req);
    const body = parseInput(verifyPrimaryOtpBody, req.body, 'body');
    await deps.limits.check(req, body.request_id);
    const proof = await verifyOtpOnPrimary(profile, storefrontCaller(req), actorOf(req), entity, body);
    res.json({ success: true, request_id: proof, entity });
  });

  router.post(`${V2}/otp/send`, shopper, async (req, res) => {
    const entity = entityOf(req);
    const body = parseInput(sendOtpForUpdateBody, req.body, 'body');
    await deps.limits.check(req, actorOf(req).user_id);
    let contact;
    if (entity === 'email') {
      if (body.email === undefined || body.email.trim() === '') throw invalid('body.email', 'email is required');
      contact = parseEmail('body.email', body.email);
    } else {
      if (body.mobile === undefined || body.mobile.trim() === '') throw invalid('body.mobile', 'mobile is required');
      contact = parseMobile('body.mobile', body.mobile, deps.signin.defaultCountryCode, body.country_code);
    }
    const requestId = await sendOtpForUpdate(profile, storefrontCaller(req), actorOf(req), entity, body.request_id, contact);
    res.json(sent(requestId, contact.kind === 'phone' ? contact : undefined));
  });

  router.post(`${V2}/otp/verify`, shopper, async (req, res) => {
    const entity = entityOf(req);
    const body = parseInput(verifyOtpForUpdateBody, req.body, 'body');
    await deps.limits.check(req, body.request_id);
    const caller = storefrontCaller(req);
    const after = await verifyOtpForUpdate(profile, caller, actorOf(req), entity, body);
    res.json({ success: true, user_exists: true, user: await userReply(deps.customers, caller.application_id, after.profile.user_id) });
  });

  return router;
}
