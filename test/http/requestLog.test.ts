import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { call, startTestService, type TestService } from '../support/testService.js';

/** What operators see in the request log: enough to trace a request, nothing personal. */
describe('request log', () => {
  const lines: Array<Record<string, unknown>> = [];
  let t: TestService;
  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    t = await startTestService({}, { logger });
  });
  afterAll(async () => t.close());

  it('writes one line per request with id, path, status and duration, and no query, header or body', async () => {
    const token = await t.token();
    const email = 'logged.person@example.com';
    const created = await call('POST', `${t.platformBase}/customers`, token, { email, phone_number: '9876512345', first_name: 'Logged' });
    expect(created.status).toBe(200);
    const listed = await fetch(`${t.platformBase}/customers/list?q=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-me-42' },
    });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-request-id')).toBe('trace-me-42');
    const missing = await call('GET', `${t.platformBase}/customers/000000000000000000000000`, token);
    expect(missing.status).toBe(404);

    const requestLines = lines.filter((l) => l.msg === 'request completed');
    const traced = requestLines.find((l) => (l.req as { id: string }).id === 'trace-me-42');
    expect(traced).toMatchObject({ level: 30, req: { method: 'GET', path: expect.stringMatching(/\/customers\/list$/) }, res: { statusCode: 200 } });
    expect(typeof traced?.responseTime).toBe('number');
    expect(requestLines.some((l) => (l.res as { statusCode: number }).statusCode === 404 && l.level === 40)).toBe(true);

    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(email);
    expect(everything).not.toContain('9876512345');
    expect(everything).not.toContain(token);
  });

  it('counts request latency by route pattern and status, never by the ids in the path', async () => {
    const token = await t.token();
    const missing = await call('GET', `${t.platformBase}/customers/000000000000000000000001`, token);
    expect(missing.status).toBe(404);
    await fetch(`${t.baseUrl}/no/such/route`);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const counts = metrics.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_count{'));
    expect(counts).toContainEqual(expect.stringMatching(/route="\/service\/platform\/user\/v1\.0\/company\/:company_id\/application\/:application_id\/customers\/:user_id",status="404"/));
    expect(counts).toContainEqual(expect.stringMatching(/route="unmatched",status="404"/));
    expect(metrics).not.toContain('000000000000000000000001');
  });
});
