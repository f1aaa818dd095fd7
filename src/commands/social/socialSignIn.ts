import type { SocialIdentity } from './providers.js';
import { DomainError, conflict } from '../../shared/errors.js';
import type { PlatformConfig } from '../platformConfig/configSchema.js';
import { socialKey } from '../customer/accountLifecycle.js';
import { runCustomerCommand } from '../customer/handlers.js';
import { accountHolding, emailIdentifier, type Account } from '../signin/accounts.js';
import type { StorefrontCaller } from '../signin/caller.js';
import { blockedAccount } from '../signin/passwordSignIn.js';
import type { SigninDeps } from '../signin/signinDeps.js';

export interface SocialSignIn {
  account: Account;
  /** false: this sign-in created the account. */
  user_exists: boolean;
}

/** Names the shopper typed or the provider sent outside the token (Apple sends them once, in the body). */
export interface SocialProfile {
  first_name?: string;
  last_name?: string;
}

const notLinkable = (provider: string) =>
  conflict(
    'email_not_verified',
    `an account with this email already exists; it is joined to a ${provider} sign-in only when both ${provider} and the account have verified the email — sign in another way first`,
    'email',
  );

function mayUse(account: Account): Account {
  if (account.state.blocked) throw blockedAccount();
  return account;
}

/**
 * The account a verified provider identity signs in to: the one already linked to it; else the
 * one holding the same email when both sides have verified it (the link is recorded); else a new
 * one, when the channel takes registrations. Concurrent first sign-ins of one person race for the
 * provider identity's reservation stream: one creates the account, the others find it linked.
 */
export async function signInWithSocial(
  deps: SigninDeps,
  caller: StorefrontCaller,
  identity: SocialIdentity,
  profile: SocialProfile,
  config: PlatformConfig,
): Promise<SocialSignIn> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await findOrCreate(deps, caller, identity, profile, config);
    } catch (error) {
      const lostRace = error instanceof DomainError && (error.code === 'social_taken' || error.code === 'email_taken');
      if (!lostRace || attempt >= 3) throw error;
    }
  }
}

/**
 * A signed-in shopper adding a provider account to their own (`is_signed_in: true` with a live
 * session): no email needs to match, since the shopper has already proved who they are. A
 * provider account signs in to one customer only.
 */
export async function linkSocialToShopper(deps: SigninDeps, caller: StorefrontCaller, identity: SocialIdentity, userId: string): Promise<SocialSignIn> {
  const link = { provider: identity.provider, subject: identity.subject };
  const holder = await accountHolding(deps, caller.application_id, { kind: 'social', value: socialKey(link) });
  if (holder !== null && holder.user_id !== userId) throw socialTaken(identity.provider);
  try {
    const state = await runCustomerCommand(deps, caller.context('linkSocialAccount', userId), userId, {
      type: 'LinkSocialAccount',
      ...link,
      client: identity.client,
      matched_by: 'signed_in',
    });
    return { account: { user_id: userId, state }, user_exists: true };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'social_taken') throw socialTaken(identity.provider);
    throw error;
  }
}

const socialTaken = (provider: string) =>
  conflict('social_taken', `this ${provider} account already signs in to another customer of this sales channel`);

async function findOrCreate(
  deps: SigninDeps,
  caller: StorefrontCaller,
  identity: SocialIdentity,
  profile: SocialProfile,
  config: PlatformConfig,
): Promise<SocialSignIn> {
  const link = { provider: identity.provider, subject: identity.subject };
  const linked = await accountHolding(deps, caller.application_id, { kind: 'social', value: socialKey(link) });
  if (linked !== null) return { account: mayUse(linked), user_exists: true };

  const sameEmail = identity.email === undefined ? null : await accountHolding(deps, caller.application_id, emailIdentifier(identity.email));
  if (sameEmail !== null) {
    const entry = sameEmail.state.profile.emails.find((e) => e.email.toLowerCase() === identity.email);
    if (!identity.email_verified || entry?.verified !== true) throw notLinkable(identity.provider);
    mayUse(sameEmail);
    const state = await runCustomerCommand(deps, caller.context('linkSocialAccount', sameEmail.user_id), sameEmail.user_id, {
      type: 'LinkSocialAccount',
      ...link,
      client: identity.client,
      matched_by: 'verified_email',
    });
    return { account: { user_id: sameEmail.user_id, state }, user_exists: true };
  }

  if (!config.register) throw new DomainError('forbidden', 'registration_disabled', 'registration is turned off for this sales channel');
  const userId = deps.ids.objectId();
  const handle = identity.email?.split('@')[0] ?? identity.provider;
  const firstName = profile.first_name ?? identity.first_name;
  const lastName = profile.last_name ?? identity.last_name;
  const state = await runCustomerCommand(deps, caller.context('registerSocialCustomer', userId), userId, {
    type: 'CreateSocialCustomer',
    data: {
      user_id: userId,
      application_id: caller.application_id,
      company_id: caller.company_id,
      username: `${handle}_${userId.slice(-5)}`,
      ...(firstName === undefined ? {} : { first_name: firstName }),
      ...(lastName === undefined ? {} : { last_name: lastName }),
      meta: {},
      phone_numbers: [],
      emails: identity.email === undefined ? [] : [{ email: identity.email, active: true, primary: true, verified: identity.email_verified }],
      account_type: 'user',
    },
    link: { ...link, client: identity.client, matched_by: 'new_account' },
  });
  return { account: { user_id: userId, state }, user_exists: false };
}
