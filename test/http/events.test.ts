import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, call, startTestService, type TestService } from '../support/testService.js';

const clock = new ManualClock(new Date('2026-03-01T09:00:00.000Z'));
let t: TestService;
let token: string;
let n = 0;

interface FeedItem {
  position: string;
  type: string;
  stream: string;
  data: Record<string, unknown>;
  metadata: { actor: { id: string }; correlation_id: string; causation_id: string; application_id: string };
}

async function createCustomer(base = t.platformBase, bearer = token) {
  n += 1;
  const res = await call('POST', `${base}/customers`, bearer, { phone_number: `94000000${String(n).padStart(2, '0')}`, first_name: `E${n}` });
  expect(res.status).toBe(200);
  return (res.body.user as { _id: string })._id;
}
const feed = async (query: string) => call('GET', `${t.platformBase}/events?${query}`, token);

/** Reads Server-Sent Events until `count` have arrived, then disconnects. */
async function readStream(count: number, lastEventId?: string): Promise<FeedItem[]> {
  const controller = new AbortController();
  const res = await fetch(`${t.platformBase}/events/stream`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
    signal: controller.signal,
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const items: FeedItem[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body!.getReader();
  while (items.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (data !== undefined) items.push(JSON.parse(data.slice(6)) as FeedItem);
    }
  }
  controller.abort();
  return items.slice(0, count);
}

beforeAll(async () => {
  t = await startTestService({ TOKEN_TTL_SECONDS: '86400' }, { clock });
  token = await t.token();
});
afterAll(async () => t.close());

describe('published events over HTTP', () => {
  it("returns the caller's published events in log order, nothing internal and nothing of other tenants", async () => {
    const otherToken = await t.token(OTHER_CLIENT, OTHER_COMPANY);
    await createCustomer(`${t.baseUrl}/service/platform/user/v1.0/company/${OTHER_COMPANY}/application/${OTHER_APP}`, otherToken);
    const a = await createCustomer();
    await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [a], reason: 'chargeback', reason_id: 'R1' });
    const res = await feed('limit=1000');
    expect(res.status).toBe(200);
    const items = res.body.items as FeedItem[];
    expect(items.map((i) => i.type)).toEqual(['UserCreated', 'UserBlocked']);
    expect(items.every((i) => i.metadata.application_id === t.platformBase.split('/').at(-1))).toBe(true);
    const positions = items.map((i) => BigInt(i.position));
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    expect(items[1]).toMatchObject({ stream: `user-${a}`, data: { reason: 'chargeback', reason_id: 'R1' }, metadata: { actor: { id: 'client-559' } } });
    expect(items[1]!.metadata.correlation_id).toBeTruthy();
  });

  it('pages with after/next so that every event is seen exactly once', async () => {
    for (let i = 0; i < 7; i += 1) await createCustomer();
    const all = (await feed('limit=1000')).body.items as FeedItem[];
    const seen: string[] = [];
    let after = '0';
    for (let page = 0; page < 20; page += 1) {
      const res = await feed(`after=${after}&limit=3`);
      const items = res.body.items as FeedItem[];
      seen.push(...items.map((i) => i.position));
      after = String(res.body.next);
      if (items.length === 0) break;
    }
    expect(seen).toEqual(all.map((i) => i.position));
    const created = (await feed('type=UserCreated&limit=1000')).body.items as FeedItem[];
    expect(created.every((i) => i.type === 'UserCreated')).toBe(true);
    expect(created.length).toBe(all.filter((i) => i.type === 'UserCreated').length);
  });

  it('refuses a bad position, limit or event type with a 400 naming it', async () => {
    expect(String((await feed('after=abc')).body.message)).toContain('query.after');
    expect(String((await feed('limit=5000')).body.message)).toContain('query.limit');
    expect(String((await feed('type=IdentifierClaimed')).body.message)).toContain('query.type');
  });

  it('streams events as SSE and resumes after a disconnect from Last-Event-ID, missing nothing', async () => {
    const before = (await feed('limit=1000')).body.items as FeedItem[];
    const first = await readStream(before.length);
    expect(first.map((i) => i.position)).toEqual(before.map((i) => i.position));
    // While disconnected, more happens.
    const ids = [await createCustomer(), await createCustomer()];
    const resumed = await readStream(2, first.at(-1)!.position);
    expect(resumed.map((i) => i.stream)).toEqual(ids.map((id) => `user-${id}`));
    expect(new Set([...first, ...resumed].map((i) => i.position)).size).toBe(first.length + 2);
  });
});

describe('a feed consumer that disconnects while the log is being written', () => {
  it('resumes from Last-Event-ID and from `next` with nothing missed and each position once', async () => {
    const start = ((await feed('limit=1000')).body.next as string) ?? '0';
    // Writers run while the consumer reads, drops the connection, and comes back.
    const writing = Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 6; i += 1) await createCustomer();
    }));
    const firstLeg = await readStream(5, start);
    const secondLeg = await readStream(5, firstLeg.at(-1)!.position);
    await writing;
    const all = ((await feed(`after=${start}&limit=1000`)).body.items as FeedItem[]).map((i) => i.position);
    expect(all).toHaveLength(24);
    const thirdLeg = await readStream(all.length - 10, secondLeg.at(-1)!.position);
    expect([...firstLeg, ...secondLeg, ...thirdLeg].map((i) => i.position)).toEqual(all);

    // The same with the paged feed: pages of 4 while nothing more is written, resuming from `next`.
    const paged: string[] = [];
    let after = start;
    for (;;) {
      const page = await feed(`after=${after}&limit=4`);
      const items = page.body.items as FeedItem[];
      if (items.length === 0) break;
      paged.push(...items.map((i) => i.position));
      after = String(page.body.next);
    }
    expect(paged).toEqual(all);
  });
});

describe('audit replays', () => {
  it('shows a customer timeline newest first with actor and reason', async () => {
    const id = await createCustomer();
    clock.advance(60_000);
    await call('PUT', `${t.platformBase}/customers/activation`, token, { status: false, user_id: [id], reason: 'fraud ring', reason_id: 'F1' });
    clock.advance(60_000);
    await call('PUT', `${t.platformBase}/customers/archive`, token, { user_id: id, reason: 'closed' });
    const res = await call('GET', `${t.platformBase}/customers/${id}/timeline`, token);
    expect(res.status).toBe(200);
    const timeline = res.body.timeline as Array<Record<string, unknown>>;
    expect(timeline.map((e) => e.type)).toEqual(['UserArchived', 'UserBlocked', 'UserCreated']);
    expect(timeline[1]).toMatchObject({ title: 'Customer blocked', sub_title: 'fraud ring', reason_id: 'F1', visible: true, actor: { type: 'platform_client', id: 'client-559' } });
    expect(timeline[2]!.sub_title).toBeNull();
    const page2 = await call('GET', `${t.platformBase}/customers/${id}/timeline?page_no=2&page_size=2`, token);
    expect((page2.body.timeline as unknown[]).length).toBe(1);
    expect(page2.body.page).toMatchObject({ current: 2, item_total: 3, has_next: false });
    expect((await call('GET', `${t.platformBase}/customers/ffffffffffffffffffffffff/timeline`, token)).status).toBe(404);
  });

  it('returns the customer as they were at a given time', async () => {
    const id = await createCustomer();
    const createdAt = clock.now().toISOString();
    clock.advance(3_600_000);
    await call('PUT', `${t.platformBase}/customers/${id}`, token, { first_name: 'Renamed' });
    const then = await call('GET', `${t.platformBase}/customers/${id}/as-of?at=${encodeURIComponent(createdAt)}`, token);
    expect(then.body.user).toMatchObject({ _id: id, first_name: `E${n}` });
    const now = await call('GET', `${t.platformBase}/customers/${id}/as-of?at=${encodeURIComponent(clock.now().toISOString())}`, token);
    expect(now.body.user).toMatchObject({ first_name: 'Renamed' });
    expect((await call('GET', `${t.platformBase}/customers/${id}/as-of?at=2020-01-01T00:00:00Z`, token)).status).toBe(404);
    expect(String((await call('GET', `${t.platformBase}/customers/${id}/as-of?at=yesterday`, token)).body.message)).toContain('query.at');
  });
});
