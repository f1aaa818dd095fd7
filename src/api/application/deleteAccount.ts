import { RouteGroup } from '../routeTable.js';
import type { PlatformConfig } from '../../commands/platformConfig/configSchema.js';
import { requestAccountDeletion } from '../../commands/customer/deletion.js';
import { accountById } from '../../commands/signin/accounts.js';
import { recipientOf } from '../../commands/signin/contacts.js';
import { checkOtp } from '../../commands/signin/otpCodes.js';
import { checkPassword } from '../../commands/signin/passwordSignIn.js';
import type { CustomerView } from '../../projections/customers/customerView.js';
import { DomainError, invalid } from '../../shared/errors.js';
import { parseInput } from '../errors.js';
import { storefrontCaller } from './caller.js';
import { configOf, type StorefrontDeps } from './deps.js';
import { deleteUserBody } from './schemas.js';
import { clearSessionCookie, requireShopper, shopperOf } from './storefrontSession.js';

const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** One of the channel's delete_account_reasons, by id (or, failing that, by its text); free text only where the reason asks for it. */
function reasonOf(config: PlatformConfig, body: { reason_id?: string | undefined; reason?: string | undefined }): { reason: string; reason_id: string } {
  const id = given(body.reason_id);
  const text = given(body.reason);
  const reasons = config.delete_account_reasons;
  const chosen = id === undefined ? reasons.find((r) => r.reason_text === text) : reasons.find((r) => r.reason_id === id);
  if (chosen === undefined) {
    const ids = reasons.map((r) => r.reason_id).join(', ');
    throw invalid('body.reason_id', id === undefined ? `is required: one of ${ids}` : `must be one of ${ids}`);
  }
  return { reason_id: chosen.reason_id, reason: chosen.show_text_area && text !== undefined ? text : chosen.reason_text };
}

const contactsOf = (view: CustomerView): Set<string> =>
  new Set([...view.emails.map((e) => recipientOf({ kind: 'email', email: e.email.toLowerCase() })), ...view.phone_numbers.map((p) => recipientOf({ kind: 'phone', ...p }))]);

/** deleteUser: the shopper's own account, confirmed by an OTP sent to one of their contacts or by their password. */
export function deleteAccountRouter(deps: StorefrontDeps): RouteGroup {
  const router = new RouteGroup();
  const shopper = requireShopper({ sessions: deps.signin, customers: deps.customers });

  router.post('/authentication/v1.0/delete', shopper, async (req, res) => {
    const body = parseInput(deleteUserBody, req.body, 'body');
    const { view } = shopperOf(req);
    await deps.limits.check(req, `user:${view.user_id}`);
    const userId = given(body.user_id);
    if (userId !== undefined && userId !== view.user_id) throw new DomainError('forbidden', 'not_your_account', 'body.user_id: a shopper may delete only their own account');
    const config = await configOf(deps, req);
    const reason = reasonOf(config, body);
    const caller = storefrontCaller(req);
    let confirmedBy: 'otp' | 'password';
    const otp = given(body.otp);
    if (otp !== undefined) {
      const requestId = given(body.request_id);
      if (requestId === undefined) throw invalid('body.request_id', 'is required with an otp');
      const record = await checkOtp(deps.signin, caller.application_id, 'contact', requestId, otp);
      if (!contactsOf(view).has(record.recipient)) throw invalid('body.otp', "was not sent to this account's email or mobile number");
      confirmedBy = 'otp';
    } else if (body.password !== undefined && body.password !== '') {
      const account = await accountById(deps.signin, caller.application_id, view.user_id);
      if (account === null) throw new DomainError('unauthorized', 'not_signed_in', 'sign in first');
      if (!(await checkPassword(deps.signin, caller, account, body.password, 'password', config.password_settings))) throw invalid('body.password', 'is incorrect');
      confirmedBy = 'password';
    } else {
      throw invalid('body.otp', 'confirm the deletion with an otp (and its request_id) or the password');
    }
    const { delete_on } = await requestAccountDeletion(
      { ...deps.signin, jobs: deps.jobs },
      caller.context('requestAccountDeletion', view.user_id),
      { user_id: view.user_id, company_id: caller.company_id, application_id: caller.application_id, ...reason, confirmed_by: confirmedBy, days: config.delete_account_day },
    );
    clearSessionCookie(res, deps.cookieSecure);
    res.json({ success: true, delete_on });
  });

  return router;
}
