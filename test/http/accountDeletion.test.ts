import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { registerShopper, startStorefrontService, storefront, type CapturingNotifier, type Shopper } from '../support/storefront.js';
import { APP, JOB_QUEUES, REDIS_URL, call, type TestService } from '../support/testService.js';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}


describe.each(JOB_QUEUES)('delete account: a delayed archive ($name)', ({ redis }) => {
  const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
  const database = `test_${randomBytes(6).toString('hex')}`;
  let t: TestService & { notifier: CapturingNotifier };
  let bull: Queue | undefined;

  beforeAll(async () => {
    t = await startStorefrontService(redis ? { REDIS_URL, MONGODB_DATABASE: database } : {}, { clock, jobTuning: { pollMs: 5 } });
    if (redis) bull = new Queue('jobs', { connection: { url: REDIS_URL }, prefix: `user-service:${database}` });
  });
  afterAll(async () => {
    await t.close();
    if (bull !== undefined) {
      await bull.obliterate({ force: true });
      await bull.close();
    }
  });

  const signIn = (s: Shopper) => storefront(t, 'POST', '/authentication/v1.0/login/password', { username: s.email, password: s.password });
  const viewOf = async (userId: string) => {
    const view = await t.service.readStore.customers.get(APP, userId);
    if (view === null) throw new Error(`no customer ${userId}`);
    return view;
  };
  const eventsOf = async (userId: string) => (await t.service.eventStore.readStream(`user-${userId}`)).map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, actor: e.metadata.actor }));
  const jobIdOf = async (userId: string) => `account-deletion:${String((await eventsOf(userId)).filter((e) => e.type === 'UserDeletionRequested').at(-1)?.data.deletion_id)}`;

  /** Lets the deletion's day come: the injected clock moves on; Redis keeps its own time, so BullMQ's delayed job is promoted. */
  async function passDays(days: number, userId: string): Promise<void> {
    const jobId = await jobIdOf(userId);
    clock.advance(days * DAY);
    if (bull !== undefined) expect(await t.service.jobs.promote(jobId)).toBe(true);
    await until(async () => jobDone(jobId), 'the deletion job ran');
  }
  async function jobDone(jobId: string): Promise<boolean> {
    if (bull === undefined) {
      const row = t.service.db.prepare('SELECT state FROM jobs WHERE id = ?').get(jobId) as { state: string } | undefined;
      return row?.state === 'done';
    }
    const job = await bull.getJob(`j${encodeURIComponent(jobId)}`);
    return job !== undefined && (await job.isCompleted());
  }

  // First: the platform token used to change the config expires once the clock has moved days on.
  it('refuses the sign-in instead when delete_account_cancel_on_login is false', async () => {
    await call('POST', `${t.platformBase}/platform/config`, await t.token(), { delete_account_cancel_on_login: false });
    const shopper = await registerShopper(t, `keep${redis ? 'r' : 's'}`);
    expect((await storefront(t, 'POST', '/authentication/v1.0/delete', { reason_id: '1', password: shopper.password }, shopper.session)).status).toBe(200);
    const refused = await signIn(shopper);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('account_deletion_pending');
    expect(refused.session).toBeUndefined();
    await call('POST', `${t.platformBase}/platform/config`, await t.token(), { delete_account_cancel_on_login: true });
  });
  it('signs the shopper out everywhere at once, and archives the account after delete_account_day days', async () => {
    const shopper = await registerShopper(t, `del${redis ? 'r' : 's'}`);
    const second = await signIn(shopper);
    expect(second.status).toBe(200);
    const res = await storefront(t, 'POST', '/authentication/v1.0/delete', { user_id: shopper.user_id, reason_id: '2', password: shopper.password }, shopper.session);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, delete_on: '2026-12-04T10:00:00.000Z' });
    for (const session of [shopper.session, second.session]) {
      expect((await storefront(t, 'GET', '/authentication/v1.0/session', undefined, session)).status).toBe(401);
    }
    const requested = (await eventsOf(shopper.user_id)).find((e) => e.type === 'UserDeletionRequested');
    expect(requested).toMatchObject({
      data: { reason: 'I no longer use this service', reason_id: '2', confirmed_by: 'password', delete_on: '2026-12-04T10:00:00.000Z' },
      actor: { type: 'user', id: shopper.user_id },
    });
    const timeline = await call('GET', `${t.platformBase}/customers/${shopper.user_id}/timeline`, await t.token());
    expect(timeline.body.delete_on).toBe('2026-12-04T10:00:00.000Z');

    // A day early, nothing happens.
    clock.advance(6 * DAY);
    await sleep(50);
    expect((await viewOf(shopper.user_id)).archive).toBe(false);
    await passDays(1, shopper.user_id);
    expect((await viewOf(shopper.user_id)).archive).toBe(true);
    const archived = (await eventsOf(shopper.user_id)).find((e) => e.type === 'UserArchived');
    expect(archived).toMatchObject({ data: { reason_id: '2', reason: expect.stringContaining('I no longer use this service') }, actor: { type: 'system', id: 'account-deletion' } });
    // Archiving freed the email: a sign-in finds no account.
    expect((await signIn(shopper)).status).toBe(401);
  });

  it('is cancelled by signing in before the day, confirmed by an OTP', async () => {
    const shopper = await registerShopper(t, `cancel${redis ? 'r' : 's'}`);
    clock.advance(31_000);
    const sent = await storefront(t, 'POST', '/authentication/v1.0/otp/mobile/send', { mobile: shopper.mobile, country_code: '91' });
    expect(sent.status).toBe(200);
    const res = await storefront(
      t,
      'POST',
      '/authentication/v1.0/delete',
      { reason_id: '3', reason: 'moving abroad', request_id: sent.body.request_id, otp: t.notifier.otp(`+91${shopper.mobile}`) },
      shopper.session,
    );
    expect(res.status).toBe(200);
    clock.advance(2 * DAY);
    const back = await signIn(shopper);
    expect(back.status).toBe(200);
    const events = await eventsOf(shopper.user_id);
    expect(events.find((e) => e.type === 'UserDeletionRequested')?.data).toMatchObject({ reason: 'moving abroad', reason_id: '3', confirmed_by: 'otp' });
    expect(events.find((e) => e.type === 'UserDeletionCancelled')).toMatchObject({ data: { reason: 'signed in before the deletion date' }, actor: { type: 'user', id: shopper.user_id } });
    await passDays(6, shopper.user_id);
    expect((await viewOf(shopper.user_id)).archive).toBe(false);
    expect((await storefront(t, 'GET', '/authentication/v1.0/session', undefined, back.session)).status).toBe(200);
  });

});

describe('delete account: what is refused', () => {
  const clock = new ManualClock(new Date('2026-11-27T10:00:00.000Z'));
  let t: TestService & { notifier: CapturingNotifier };
  let shopper: Shopper;
  beforeAll(async () => {
    t = await startStorefrontService({}, { clock });
    shopper = await registerShopper(t, 'refuse');
  });
  afterAll(async () => t.close());
  const del = (body: Record<string, unknown>, session: string | undefined = shopper.session) => storefront(t, 'POST', '/authentication/v1.0/delete', body, session);

  it.each([
    ['no reason', { password: 'x' }, 400, /body\.reason_id: is required: one of 1, 2, 3/],
    ['a reason not in the config', { reason_id: '9', password: 'x' }, 400, /body\.reason_id: must be one of 1, 2, 3/],
    ['no OTP and no password', { reason_id: '1' }, 400, /body\.otp: confirm the deletion/],
    ['an OTP without its request_id', { reason_id: '1', otp: '123456' }, 400, /body\.request_id/],
    ['a wrong password', { reason_id: '1', password: 'not my password at all' }, 400, /body\.password: is incorrect/],
  ])('refuses %s', async (_what, body, status, message) => {
    const res = await del(body);
    expect(res.status).toBe(status);
    expect(res.body.message).toMatch(message);
  });

  it('refuses an OTP sent to someone else, another user_id, and a caller not signed in', async () => {
    const other = await registerShopper(t, 'refuse-other');
    clock.advance(31_000);
    const sent = await storefront(t, 'POST', '/authentication/v1.0/otp/mobile/send', { mobile: other.mobile, country_code: '91' });
    const otp = await del({ reason_id: '1', request_id: sent.body.request_id, otp: t.notifier.otp(`+91${other.mobile}`) });
    expect(otp.status).toBe(400);
    expect(otp.body.message).toMatch(/body\.otp: was not sent to this account/);
    expect((await del({ reason_id: '1', user_id: other.user_id, password: shopper.password })).status).toBe(403);
    expect((await del({ reason_id: '1', password: shopper.password }, 'no-such-session')).status).toBe(401);
    const events = (await t.service.eventStore.readStream(`user-${shopper.user_id}`)).map((e) => e.type);
    expect(events).not.toContain('UserDeletionRequested');
    expect((await storefront(t, 'GET', '/authentication/v1.0/session', undefined, shopper.session)).status).toBe(200);
  });
});
