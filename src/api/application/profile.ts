import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import type { ContactData } from '../../events/customerEvents.js';
import { changeContacts, isRequired, resendVerificationLink, type ProfileActor, type ProfileDeps } from '../../commands/profile/profileContacts.js';
import { updateProfileDetails } from '../../commands/profile/profileDetails.js';
import { accountById } from '../../commands/signin/accounts.js';
import { parseEmail, parseMobile } from '../../commands/signin/contacts.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { deleteEmailQuery, deleteMobileQuery, editProfileBody, emailBody, mobileBody } from './profileSchemas.js';
import { userReply } from './replies.js';
import { shopperOf } from './session.js';
import { requireShopper } from './storefrontSession.js';

const P = '/profile/v1.0';

export const profileDepsOf = (deps: StorefrontDeps): ProfileDeps => ({ ...deps.signin, recentSignInMs: deps.recentSignInMs });

export function actorOf(req: Request): ProfileActor {
  const { session } = shopperOf(req);
  return { user_id: session.user_id, session };
}

/** The shopper's account from the write side: the rules about their contacts need the latest state. */
export async function accountOf(deps: StorefrontDeps, req: Request) {
  const { session } = shopperOf(req);
  const account = await accountById(deps.signin, session.application_id, session.user_id);
  if (account === null) throw new Error('a signed-in shopper without an account');
  return account.state;
}

/**
 * updateProfile and the v1 email and mobile endpoints: add (unverified until its link or an OTP
 * comes back), remove, make primary, resend the verification link.
 */
export function profileRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const shopper = requireShopper({ sessions: deps.signin, customers: deps.customers });
  const profile = profileDepsOf(deps);
  const cc = deps.signin.defaultCountryCode;
  const mobileOf = (field: string, body: { phone: string; country_code?: string | undefined }) => parseMobile(field, body.phone, cc, body.country_code);
  const reply = (req: Request) => userReply(deps.customers, storefrontCaller(req).application_id, actorOf(req).user_id);

  router.post(`${P}/detail`, shopper, async (req, res) => {
    const body = parseInput(editProfileBody, req.body, 'body');
    await deps.limits.check(req, actorOf(req).user_id);
    const config = await configOf(deps, req);
    const outcome = await updateProfileDetails(profile, storefrontCaller(req), actorOf(req), config, {
      first_name: body.first_name,
      last_name: body.last_name,
      gender: body.gender,
      dob: body.dob,
      profile_pic_url: body.profile_pic_url,
      email: body.email === undefined || body.email.trim() === '' ? undefined : parseEmail('body.email', body.email),
      mobile:
        body.mobile?.phone === undefined || body.mobile.phone.trim() === ''
          ? undefined
          : parseMobile('body.mobile.phone', body.mobile.phone, cc, body.mobile.country_code ?? body.country_code),
    });
    res.json({
      success: true,
      user_exists: true,
      user: await reply(req),
      verify_email_link: outcome.email_link_sent,
      verify_mobile_link: outcome.mobile_link_sent,
      ...(outcome.added_email === undefined ? {} : { email: outcome.added_email }),
      ...(outcome.added_mobile === undefined ? {} : { mobile: outcome.added_mobile.phone, country_code: String(outcome.added_mobile.country_code) }),
    });
  });

  for (const kind of ['email', 'phone'] as const) {
    const base = `${P}/${kind === 'email' ? 'email' : 'mobile'}`;
    const linkKey = kind === 'email' ? 'verify_email_link' : 'verify_mobile_link';
    const bodyField = kind === 'email' ? 'body.email' : 'body.phone';
    const fromBody = (req: Request): ContactData =>
      kind === 'email' ? parseEmail('body.email', parseInput(emailBody, req.body, 'body').email) : mobileOf('body.phone', parseInput(mobileBody, req.body, 'body'));

    router.put(base, shopper, async (req, res) => {
      const contact = fromBody(req);
      await deps.limits.check(req, actorOf(req).user_id);
      await changeContacts(profile, storefrontCaller(req), actorOf(req), { type: 'AddContact', contact, verified: false, primary: false, field: bodyField }, `add${kind === 'email' ? 'Email' : 'Mobile'}`);
      res.json({ user: await reply(req), [linkKey]: true });
    });

    router.delete(base, shopper, async (req, res) => {
      const query = kind === 'email' ? parseInput(deleteEmailQuery, req.query, 'query') : parseInput(deleteMobileQuery, req.query, 'query');
      const contact: ContactData = 'email' in query ? parseEmail('query.email', query.email) : mobileOf('query.phone', query);
      const config = await configOf(deps, req);
      const field = kind === 'email' ? 'query.email' : 'query.phone';
      const flags = { active: flagOf(query.active), primary: flagOf(query.primary), verified: flagOf(query.verified) };
      await changeContacts(
        profile,
        storefrontCaller(req),
        actorOf(req),
        { type: 'RemoveContact', contact, required: isRequired(config, kind), field, flags },
        `delete${kind === 'email' ? 'Email' : 'Mobile'}`,
      );
      res.json({ user: await reply(req) });
    });

    router.post(`${base}/primary`, shopper, async (req, res) => {
      const contact = fromBody(req);
      await changeContacts(profile, storefrontCaller(req), actorOf(req), { type: 'SetPrimaryContact', contact, field: bodyField }, `set${kind === 'email' ? 'Email' : 'Mobile'}Primary`);
      res.json({ user: await reply(req) });
    });

    router.post(`${base}/link/send`, shopper, async (req, res) => {
      const contact = fromBody(req);
      await deps.limits.check(req, actorOf(req).user_id);
      const sent = await resendVerificationLink(profile, storefrontCaller(req), await accountOf(deps, req), contact, bodyField);
      res.json({ [linkKey]: sent });
    });
  }

  return router;
}

const flagOf = (value: 'true' | 'false' | undefined): boolean | undefined => (value === undefined ? undefined : value === 'true');
