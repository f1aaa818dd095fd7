import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/main.js';
import { startTestService, type TestService } from '../support/testService.js';

/**
 * `app.listen` makes servers whose requests and responses are express's from the start; a server
 * made from the app any other way gets express's prototypes per request. Both must answer alike.
 */
describe('the app in servers made either way', () => {
  let t: TestService;
  let other: Server;
  let otherBase: string;

  beforeAll(async () => {
    t = await startTestService();
    other = createServer(t.service.app);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => other.close(() => resolve()));
    await t.close();
  });

  const ask = async (base: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, type: res.headers.get('content-type'), body };
  };

  it('answers a created customer, a validation error, an unknown route and a query the same', async () => {
    const token = await t.token();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const platformPath = t.platformBase.slice(t.baseUrl.length);
    const created = await ask(t.baseUrl, `${platformPath}/customers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ first_name: 'Both', last_name: 'Ways', phone_number: '9876501234', email: 'both.ways@example.com' }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const userId = String((created.body.user as { user_id: string }).user_id);
    for (const path of [`${platformPath}/customers/${userId}`, `${platformPath}/customers/list?q=both.ways%40example.com`, `${platformPath}/customers/list?page_size=0`, '/no/such/route']) {
      const [viaListen, viaCreateServer] = await Promise.all([ask(t.baseUrl, path, { headers }), ask(otherBase, path, { headers })]);
      expect(viaCreateServer).toEqual(viaListen);
    }
    const listed = await ask(otherBase, `${platformPath}/customers/list?q=both.ways%40example.com`, { headers });
    expect((listed.body.items as Array<{ user_id: string }>).map((u) => u.user_id)).toEqual([userId]);
    expect((await ask(otherBase, `${platformPath}/customers/list?page_size=0`, { headers })).status).toBe(400);
  });

  it('refuses to start on a port already taken, instead of reporting it listening', async () => {
    const taken = (other.address() as AddressInfo).port;
    await expect(listen({ ...t.service, config: { ...t.service.config, HOST: '127.0.0.1', PORT: taken } })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
