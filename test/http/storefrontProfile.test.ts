import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { newIdentity, registerShopper, startStorefrontService, storefront, type CapturingNotifier, type Shopper } from '../support/storefront.js';
import { call, type TestService } from '../support/testService.js';

const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
let t: TestService & { notifier: CapturingNotifier };
let platformToken: string;

const P = '/profile/v1.0';
type User = { user_id: string; emails: Array<{ email: string; primary: boolean; verified: boolean }>; phone_numbers: Array<{ phone: string; primary: boolean; verified: boolean }> };
const userOf = (body: Record<string, unknown>) => body.user as User;
const eventsOf = (userId: string) =>
  (t.service.db.prepare('SELECT type, data, metadata FROM events WHERE stream = ? ORDER BY position').all(`user-${userId}`) as Array<{ type: string; data: string; metadata: string }>).map(
    (row) => ({ type: row.type, data: JSON.parse(row.data) as Record<string, unknown>, actor: (JSON.parse(row.metadata) as { actor: { type: string; id: string } }).actor }),
  );
const linkCode = (to: string, template: string) => t.notifier.last(template, to).data.code ?? '';

async function addVerifiedEmail(s: Shopper, email: string): Promise<void> {
  expect((await storefront(t, 'PUT', `${P}/email`, { email }, s.session)).status).toBe(200);
  const verified = await storefront(t, 'POST', '/authentication/v1.0/verify/email', { code: linkCode(email, 'email_verification_link') });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
}

beforeAll(async () => {
  t = await startStorefrontService({ PROFILE_RECENT_SIGNIN_MINUTES: '15' }, { clock });
  platformToken = await t.token();
});
afterAll(async () => t.close());

describe('a shopper’s emails', () => {
  it('adds an email unverified, verifies it by its link, makes it primary, and tells the old primary each time', async () => {
    const s = await registerShopper(t, 'emails');
    const first = s.email;
    await addVerifiedEmail(s, first.replace('@', '+first@'));
    const second = `second.${s.user_id}@example.com`;
    const added = await storefront(t, 'PUT', `${P}/email`, { email: second }, s.session);
    expect(added.status).toBe(200);
    expect(added.body.verify_email_link).toBe(true);
    expect(userOf(added.body).emails).toContainEqual({ email: second, active: true, primary: false, verified: false });
    expect(t.notifier.last('email_changed', first).data).toMatchObject({ change: 'added' });
    expect(t.notifier.last('email_changed', first).data.contact).not.toContain(second.split('@')[0]);

    const notYet = await storefront(t, 'POST', `${P}/email/primary`, { email: second }, s.session);
    expect(notYet.status).toBe(400);
    expect(notYet.body).toMatchObject({ code: 'contact_not_verified', errors: [{ field: 'body.email' }] });

    expect((await storefront(t, 'POST', '/authentication/v1.0/verify/email', { code: linkCode(second, 'email_verification_link') })).status).toBe(200);
    const primary = await storefront(t, 'POST', `${P}/email/primary`, { email: second }, s.session);
    expect(primary.status).toBe(200);
    expect(userOf(primary.body).emails.filter((e) => e.primary).map((e) => e.email)).toEqual([second]);
    expect(t.notifier.last('email_changed', first).data).toMatchObject({ change: 'primary_changed' });

    const changes = eventsOf(s.user_id).filter((e) => ['UserContactAdded', 'UserContactVerified', 'UserPrimaryContactSet'].includes(e.type));
    expect(changes.map((e) => e.type)).toContain('UserPrimaryContactSet');
    for (const change of changes) expect(change.actor).toEqual({ type: 'user', id: s.user_id });
  });

  it('refuses an email already in the profile, and one that is not an email', async () => {
    const s = await registerShopper(t, 'twice');
    const again = await storefront(t, 'PUT', `${P}/email`, { email: s.email.toUpperCase() }, s.session);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'email_exists', errors: [{ field: 'body.email' }] });
    const bad = await storefront(t, 'PUT', `${P}/email`, { email: 'not-an-email' }, s.session);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'body.email', message: 'is not an email address' }]);
  });

  it('never removes the last way to sign in, nor the primary while another verified one could be primary', async () => {
    const s = await registerShopper(t, 'deleting');
    const alt = `alt.${s.user_id}@example.com`;
    await addVerifiedEmail(s, alt);
    const unverifiedPrimary = s.email;
    // The registration email is the primary, unverified; a verified one could take its place.
    const whileOther = await storefront(t, 'DELETE', `${P}/email?email=${encodeURIComponent(unverifiedPrimary)}&active=true&primary=true&verified=false`, undefined, s.session);
    expect(whileOther.body).toMatchObject({ code: 'primary_contact' });
    expect((await storefront(t, 'POST', `${P}/email/primary`, { email: alt }, s.session)).status).toBe(200);
    // No longer the primary: the flags sent say so, or the removal is refused as stale.
    const removed = await storefront(t, 'DELETE', `${P}/email?email=${encodeURIComponent(unverifiedPrimary)}&active=true&primary=false&verified=false`, undefined, s.session);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(userOf(removed.body).emails.map((e) => e.email)).toEqual([alt]);

    const mobile = `${s.mobile}`;
    // The verified mobile stays, so the verified email may go.
    const third = `third.${s.user_id}@example.com`;
    await addVerifiedEmail(s, third);
    expect((await storefront(t, 'POST', `${P}/email/primary`, { email: third }, s.session)).status).toBe(200);
    const primaryWhileOther = await storefront(t, 'DELETE', `${P}/email?email=${encodeURIComponent(third)}&active=true&primary=true&verified=true`, undefined, s.session);
    expect(primaryWhileOther.status).toBe(400);
    expect(primaryWhileOther.body).toMatchObject({ code: 'primary_contact', errors: [{ field: 'query.email' }] });
    expect((await storefront(t, 'DELETE', `${P}/email?email=${encodeURIComponent(alt)}&active=true&primary=false&verified=true`, undefined, s.session)).status).toBe(200);
    expect((await storefront(t, 'DELETE', `${P}/email?email=${encodeURIComponent(third)}&active=true&primary=true&verified=true`, undefined, s.session)).status).toBe(200);

    // Only the mobile is left: it cannot go.
    const last = await storefront(t, 'DELETE', `${P}/mobile?phone=${mobile}&country_code=91&active=true&primary=true&verified=true`, undefined, s.session);
    expect(last.status).toBe(400);
    expect(last.body).toMatchObject({ code: 'last_sign_in_contact', errors: [{ field: 'query.phone' }] });
    const unknown = await storefront(t, 'DELETE', `${P}/email?email=nobody@example.com&active=true&primary=false&verified=true`, undefined, s.session);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ field: 'query.email', message: 'is not one of your emails' }]);
  });
});

describe('a shopper’s mobile numbers', () => {
  it('adds a mobile, verifies it by its link, makes it primary, and keeps the mobile the channel requires', async () => {
    const s = await registerShopper(t, 'mobiles');
    const other = newIdentity('mobile2').mobile;
    const added = await storefront(t, 'PUT', `${P}/mobile`, { phone: other, country_code: '91' }, s.session);
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.verify_mobile_link).toBe(true);
    expect(t.notifier.last('mobile_changed', `+91${s.mobile}`).data).toMatchObject({ change: 'added' });
    const tooSoon = await storefront(t, 'POST', `${P}/mobile/link/send`, { phone: other, country_code: '91' }, s.session);
    expect(tooSoon.status).toBe(429);
    clock.advance(31_000);
    const link = await storefront(t, 'POST', `${P}/mobile/link/send`, { phone: other, country_code: '91' }, s.session);
    expect(link.body).toEqual({ verify_mobile_link: true });
    expect((await storefront(t, 'POST', '/authentication/v1.0/verify/mobile', { code: linkCode(`+91${other}`, 'mobile_verification_link') })).status).toBe(200);
    expect((await storefront(t, 'POST', `${P}/mobile/link/send`, { phone: other, country_code: '91' }, s.session)).body).toEqual({ verify_mobile_link: false });
    const primary = await storefront(t, 'POST', `${P}/mobile/primary`, { phone: other, country_code: '91', verified: true, active: true, primary: false }, s.session);
    expect(primary.status).toBe(200);
    expect(userOf(primary.body).phone_numbers.find((p) => p.primary)?.phone).toBe(other);
    // The default config requires a mobile (level hard); two are held, so the old one may go.
    expect((await storefront(t, 'DELETE', `${P}/mobile?phone=${s.mobile}&country_code=91&active=true&primary=false&verified=true`, undefined, s.session)).status).toBe(200);
  });
});

describe('uniqueness across the platform and the storefront', () => {
  it('refuses an email or mobile held by another customer, and frees it when that customer is archived', async () => {
    const s = await registerShopper(t, 'unique');
    const taken = `taken.${s.user_id}@example.com`;
    const created = await call('POST', `${t.platformBase}/customers`, platformToken, { phone_number: newIdentity('holder').mobile, email: taken });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const refused = await storefront(t, 'PUT', `${P}/email`, { email: taken }, s.session);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'email_taken' });
    const otherShopper = await registerShopper(t, 'unique2');
    const mobileRefused = await storefront(t, 'PUT', `${P}/mobile`, { phone: otherShopper.mobile, country_code: '91' }, s.session);
    expect(mobileRefused.status).toBe(409);
    expect(mobileRefused.body).toMatchObject({ code: 'phone_taken' });

    expect((await call('PUT', `${t.platformBase}/customers/archive`, platformToken, { user_id: (created.body.user as { _id: string })._id })).status).toBe(200);
    expect((await storefront(t, 'PUT', `${P}/email`, { email: taken }, s.session)).status).toBe(200);
    // The platform's customer search finds the shopper by the new email at once.
    const found = await call('GET', `${t.platformBase}/customers/search?q=${encodeURIComponent(taken)}`, platformToken);
    expect(JSON.stringify(found.body)).toContain(s.user_id);
    const gone = await storefront(t, 'DELETE', `${P}/email?email=${encodeURIComponent(s.email)}&active=true&primary=true&verified=false`, undefined, s.session);
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    const notFound = await call('GET', `${t.platformBase}/customers/search?q=${encodeURIComponent(s.email)}`, platformToken);
    expect(JSON.stringify(notFound.body)).not.toContain(s.user_id);
    // And the platform cannot give it to someone else now.
    const platformRefused = await call('POST', `${t.platformBase}/customers`, platformToken, { phone_number: newIdentity('late').mobile, email: taken });
    expect(platformRefused.status).toBe(409);
  });

  it('lets exactly one of two shoppers adding the same email at the same time have it', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [a, b] = await Promise.all([registerShopper(t, `race${round}a`), registerShopper(t, `race${round}b`)]);
      const email = `contested.${round}.${a.user_id}@example.com`;
      const replies = await Promise.all([a, b].map((s) => storefront(t, 'PUT', `${P}/email`, { email }, s.session)));
      expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
      const holders = await call('GET', `${t.platformBase}/customers/search?q=${encodeURIComponent(email)}`, platformToken);
      expect((holders.body.users as unknown[]).length).toBe(1);
    }
  });
});

describe('changing sign-in contacts needs a recent sign-in or an OTP to the current primary', () => {
  it('refuses a stale session with 403, then allows it after the primary OTP', async () => {
    const s = await registerShopper(t, 'stale');
    clock.advance(16 * 60_000);
    const email = `late.${s.user_id}@example.com`;
    const refused = await storefront(t, 'PUT', `${P}/email`, { email }, s.session);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'recent_sign_in_required' });
    expect(refused.body.message).toContain('15 minutes');

    const sent = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/send', {}, s.session);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const wrong = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/verify', { request_id: sent.body.request_id, otp: '000000' }, s.session);
    expect(wrong.status).toBe(400);
    clock.advance(31_000);
    const again = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/send', {}, s.session);
    const otp = t.notifier.otp(`+91${s.mobile}`, 'otp_primary_check');
    const proven = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/verify', { request_id: again.body.request_id, otp }, s.session);
    expect(proven.status, JSON.stringify(proven.body)).toBe(200);
    expect((await storefront(t, 'PUT', `${P}/email`, { email }, s.session)).status).toBe(200);
  });

  it('does not take a proof or an OTP issued for another shopper, nor a made-up one', async () => {
    const s = await registerShopper(t, 'proofless');
    const other = await registerShopper(t, 'proofowner');
    const sent = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/send', {}, other.session);
    const othersOtp = t.notifier.otp(`+91${other.mobile}`, 'otp_primary_check');
    const stolenOtp = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/verify', { request_id: sent.body.request_id, otp: othersOtp }, s.session);
    expect(stolenOtp.status).toBe(400);
    expect(stolenOtp.body.errors).toEqual([expect.objectContaining({ field: 'body.request_id' })]);
    // The refused attempt did not use up the owner's code.
    const ownerStill = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/verify', { request_id: sent.body.request_id, otp: othersOtp }, other.session);
    expect(ownerStill.status).toBe(200);
    clock.advance(31_000);
    const resent = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/send', {}, other.session);
    const proof = await storefront(t, 'POST', '/profile/v2.0/mobile/primary/otp/verify', { request_id: resent.body.request_id, otp: t.notifier.otp(`+91${other.mobile}`, 'otp_primary_check') }, other.session);
    expect(proof.status).toBe(200);
    const stolenProof = await storefront(t, 'POST', '/profile/v2.0/mobile/otp/send', { request_id: proof.body.request_id, mobile: newIdentity('stolen').mobile, country_code: '91' }, s.session);
    expect(stolenProof.status).toBe(400);
    const bogus = await storefront(t, 'POST', '/profile/v2.0/email/otp/send', { request_id: 'f'.repeat(32), email: `x.${s.user_id}@example.com` }, s.session);
    expect(bogus.status).toBe(400);
    expect(bogus.body.errors).toEqual([expect.objectContaining({ field: 'body.request_id' })]);
    const badEntity = await storefront(t, 'POST', '/profile/v2.0/phone/primary/otp/send', {}, s.session);
    expect(badEntity.status).toBe(400);
    expect(badEntity.body.errors).toEqual([expect.objectContaining({ field: 'params.entity' })]);
  });

  it('needs a session at all', async () => {
    expect((await storefront(t, 'PUT', `${P}/email`, { email: 'a@example.com' })).status).toBe(401);
    expect((await storefront(t, 'GET', `${P}/user-attributes`)).status).toBe(401);
  });
});

describe('updateProfile', () => {
  it('saves names, gender, birth date and picture, and validates each', async () => {
    const s = await registerShopper(t, 'details');
    const ok = await storefront(t, 'POST', `${P}/detail`, { first_name: 'Asha', last_name: 'Rao', gender: 'female', dob: '1990-04-30', profile_pic_url: 'https://cdn.example.com/a.png' }, s.session);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.user).toMatchObject({ first_name: 'Asha', last_name: 'Rao', gender: 'female', dob: '1990-04-30', profile_pic_url: 'https://cdn.example.com/a.png' });
    const updated = eventsOf(s.user_id).filter((e) => e.type === 'UserUpdated').at(-1);
    expect(updated?.actor).toEqual({ type: 'user', id: s.user_id });

    for (const [body, field] of [
      [{ dob: '1990-02-30' }, 'body.dob'],
      [{ gender: 'robot' }, 'body.gender'],
      [{ first_name: '' }, 'body.first_name'],
      [{ first_name: '<script>' }, 'body.first_name'],
      [{ profile_pic_url: 'javascript:alert(1)' }, 'body.profile_pic_url'],
    ] as const) {
      const bad = await storefront(t, 'POST', `${P}/detail`, body, s.session);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect((bad.body.errors as Array<{ field: string }>)[0]?.field).toBe(field);
    }
    const me = await storefront(t, 'GET', '/authentication/v1.0/session', undefined, s.session);
    expect(me.body.user).toMatchObject({ first_name: 'Asha', dob: '1990-04-30' });
  });

  it('adds a new email given in the profile as unverified, with its link', async () => {
    const s = await registerShopper(t, 'detailmail');
    const email = `detail.${s.user_id}@example.com`;
    const res = await storefront(t, 'POST', `${P}/detail`, { first_name: 'Bo', email }, s.session);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ verify_email_link: true, email });
    expect(userOf(res.body).emails).toContainEqual(expect.objectContaining({ email, verified: false }));
    expect(t.notifier.count('email_verification_link', email)).toBe(1);
  });

  it('saves nothing when the email it adds is refused', async () => {
    const s = await registerShopper(t, 'detailatomic');
    const other = await registerShopper(t, 'detailholder');
    const taken = await storefront(t, 'POST', `${P}/detail`, { first_name: 'Changed', email: other.email }, s.session);
    expect(taken.status).toBe(409);
    clock.advance(16 * 60_000);
    const stale = await storefront(t, 'POST', `${P}/detail`, { first_name: 'Changed', email: `fresh.${s.user_id}@example.com` }, s.session);
    expect(stale.status).toBe(403);
    const me = await storefront(t, 'GET', '/authentication/v1.0/session', undefined, s.session);
    expect(me.body.user).toMatchObject({ first_name: 'Test' });
    // Names alone need no recent sign-in.
    expect((await storefront(t, 'POST', `${P}/detail`, { first_name: 'Changed' }, s.session)).status).toBe(200);
  });
});

describe('storefront user attributes', () => {
  const define = async (body: Record<string, unknown>) => {
    const res = await call('POST', `${t.platformBase}/user_attribute/definition`, platformToken, { name: 'Attribute', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { _id: string; slug: string };
  };

  it('edits only customer-editable attributes, validates values, and marks them as the customer’s', async () => {
    const s = await registerShopper(t, 'attrs');
    const size = await define({ slug: `shoe_size_${s.user_id.slice(-6)}`, type: 'number', customer_editable: true, validations: [{ type: 'min', value: 1 }] });
    const tier = await define({ slug: `tier_${s.user_id.slice(-6)}`, type: 'string', customer_editable: false });
    const platformSet = await call('PUT', `${t.platformBase}/user_attribute/definition/${tier._id}/user/${s.user_id}`, platformToken, { attribute: { value: 'gold' } });
    expect(platformSet.status, JSON.stringify(platformSet.body)).toBe(200);

    const edited = await storefront(t, 'PATCH', `${P}/user-attributes`, { attributes: { [size.slug]: 42 } }, s.session);
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.attributes).toEqual({ [size.slug]: 42, [tier.slug]: 'gold' });
    const value = await call('GET', `${t.platformBase}/user_attribute/definition/${size._id}/user/${s.user_id}`, platformToken);
    expect(value.body).toMatchObject({ customer_overridden: true, customer_overriden: true, attribute: { value: 42 }, updated_by: s.user_id });

    const locked = await storefront(t, 'PATCH', `${P}/user-attributes`, { attributes: { [size.slug]: 43, [tier.slug]: 'platinum' } }, s.session);
    expect(locked.status).toBe(403);
    expect(locked.body.errors).toEqual([{ field: `body.attributes.${tier.slug}`, message: 'is not editable by customers' }]);
    const invalidValue = await storefront(t, 'PATCH', `${P}/user-attributes`, { attributes: { [size.slug]: 0 } }, s.session);
    expect(invalidValue.status).toBe(400);
    expect((invalidValue.body.errors as Array<{ field: string }>)[0]?.field).toBe(`body.attributes.${size.slug}`);
    const unknown = await storefront(t, 'PATCH', `${P}/user-attributes`, { attributes: { no_such_slug: 1 } }, s.session);
    expect(unknown.status).toBe(400);

    const one = await storefront(t, 'GET', `${P}/user-attributes?slug=${size.slug}`, undefined, s.session);
    expect(one.body).toEqual({ attributes: { [size.slug]: 42 } });
  });
});
