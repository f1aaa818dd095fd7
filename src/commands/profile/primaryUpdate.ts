import type { ContactData } from '../../events/customerEvents.js';
import { conflict, invalid } from '../../shared/errors.js';
import { primaryOf } from '../customer/contactChanges.js';
import type { PresentCustomer } from '../customer/handlers.js';
import { otpHash } from '../otp/otpRules.js';
import { accountHolding } from '../signin/accounts.js';
import type { StorefrontCaller } from '../signin/caller.js';
import { channelOf, contactOfRecipient, identifierOf, recipientOf } from '../signin/contacts.js';
import { checkOtp, newRequestId, sendOtp } from '../signin/otpCodes.js';
import { applyContactChange, entityOf, proofRecipient, type Entity, type ProfileActor, type ProfileDeps } from './profileContacts.js';

/** How long an OTP entered for the current primary lets the shopper change their emails and mobiles. */
export const PRIMARY_PROOF_TTL_MS = 10 * 60_000;

const kindOf = (entity: Entity): ContactData['kind'] => (entity === 'email' ? 'email' : 'phone');
const notYours = (field: string) => invalid(field, 'is not a code sent to you for this change; ask for a new one');

/** Step 1 (sendOTPOnPrimary): an OTP to the shopper's current primary email or mobile. */
export async function sendOtpOnPrimary(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  account: PresentCustomer,
  entity: Entity,
): Promise<{ request_id: string; primary: ContactData }> {
  const primary = primaryOf(account.profile, kindOf(entity));
  if (primary === undefined) throw invalid('path.entity', `you have no primary ${entity === 'email' ? 'email' : 'mobile number'}`);
  const requestId = await sendOtp(deps, {
    application_id: caller.application_id,
    purpose: 'primary_check',
    channel: channelOf(primary),
    recipient: recipientOf(primary),
    user_id: account.profile.user_id,
    delivery: { template: 'otp_primary_check' },
  });
  return { request_id: requestId, primary };
}

/** Step 2 (verifyOTPonPrimary): the OTP is right; returns the proof's request id, which step 3 needs. */
/**
 * Checked before the code is tried: an attempt counts against the request, so a shopper holding
 * someone else's request id must not be able to use up that shopper's tries.
 */
async function refuseOthersRequest(deps: ProfileDeps, actor: ProfileActor, requestId: string): Promise<void> {
  const pending = await deps.otps.get(requestId);
  if (pending !== null && pending.user_id !== actor.user_id) throw notYours('body.request_id');
}

export async function verifyOtpOnPrimary(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  actor: ProfileActor,
  entity: Entity,
  input: { request_id: string; otp: string },
): Promise<string> {
  await refuseOthersRequest(deps, actor, input.request_id);
  const record = await checkOtp(deps, caller.application_id, 'primary_check', input.request_id, input.otp);
  if (record.user_id !== actor.user_id || record.channel !== (entity === 'email' ? 'email' : 'sms')) throw notYours('body.request_id');
  const now = deps.clock.now().getTime();
  const proofId = newRequestId(deps);
  const issued = await deps.otps.issue(
    {
      request_id: proofId,
      application_id: caller.application_id,
      purpose: 'primary_proof',
      channel: record.channel,
      recipient: proofRecipient(entity, actor.user_id),
      user_id: actor.user_id,
      // Nothing is ever checked against it: the proof is found by its recipient, not by a code.
      code_hash: otpHash(deps.otpKey, proofId, deps.ids.token(32)),
      created_at: now,
      expires_at: now + PRIMARY_PROOF_TTL_MS,
      tries: 0,
      consumed: false,
    },
    { resend_ms: 0, per_hour: 1000 },
    now,
  );
  if (!issued.ok) throw new Error(`a primary proof could not be stored: ${issued.reason}`);
  return proofId;
}

/** Step 3 (sendOTPForUpdate): with the proof, an OTP to the new email or mobile, if no one else uses it. */
export async function sendOtpForUpdate(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  actor: ProfileActor,
  entity: Entity,
  proofId: string,
  contact: ContactData,
): Promise<string> {
  const now = deps.clock.now().getTime();
  const live = await deps.otps.latest(caller.application_id, 'primary_proof', proofRecipient(entity, actor.user_id), now);
  if (live === null || live !== proofId) {
    throw invalid('body.request_id', 'is not a live proof of your current primary: verify an OTP sent to it first (primary/otp/verify)');
  }
  if (entityOf(contact.kind) !== entity) throw invalid('path.entity', `does not match the ${contact.kind} given`);
  const holder = await accountHolding(deps, caller.application_id, identifierOf(contact));
  if (holder !== null && holder.user_id !== actor.user_id) {
    const field = contact.kind === 'email' ? 'body.email' : 'body.mobile';
    throw conflict(`${contact.kind}_taken`, `${field}: is already used by another account`, field);
  }
  return sendOtp(deps, {
    application_id: caller.application_id,
    purpose: 'contact_update',
    channel: channelOf(contact),
    recipient: recipientOf(contact),
    user_id: actor.user_id,
    delivery: { template: 'otp_contact_update' },
  });
}

/** Step 4 (verifyOTPForUpdate): the new contact is proven; it joins the profile, verified and primary. */
export async function verifyOtpForUpdate(
  deps: ProfileDeps,
  caller: StorefrontCaller,
  actor: ProfileActor,
  entity: Entity,
  input: { request_id: string; otp: string },
): Promise<PresentCustomer> {
  await refuseOthersRequest(deps, actor, input.request_id);
  const record = await checkOtp(deps, caller.application_id, 'contact_update', input.request_id, input.otp);
  const contact = contactOfRecipient(record.channel, record.recipient, deps.defaultCountryCode);
  if (record.user_id !== actor.user_id || entityOf(contact.kind) !== entity) throw notYours('body.request_id');
  const field = contact.kind === 'email' ? 'body.email' : 'body.mobile';
  return applyContactChange(deps, caller, actor.user_id, { type: 'AddContact', contact, verified: true, primary: true, field }, 'updatePrimaryContact');
}
