import express, { type ErrorRequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteGroup, RouteTable } from '../../src/api/routeTable.js';

/** The route table inside a real express app on 127.0.0.1, as the service uses it. */
describe('route table', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    const app = express();
    const routes = new RouteTable();
    const areas = new RouteGroup()
      // The parameter route first: the literal route below must still win.
      .get('/things/:id', (req, res) => {
        res.json({ route: 'one', id: req.params.id, pattern: req.routePattern });
      })
      .get('/things/special', (_req, res) => {
        res.json({ route: 'special' });
      })
      .post('/things', (req, res) => {
        res.status(201).json({ body: req.body as unknown });
      })
      .get('/fails', async () => {
        await Promise.resolve();
        throw new Error('handler failed');
      });
    routes.add(
      '/api/:tenant',
      {
        before: [
          (req, _res, next) => {
            seen.push(`auth ${req.method} ${String(req.params.tenant)}`);
            next();
          },
        ],
        body: [
          (req, _res, next) => {
            seen.push(`body ${req.method}`);
            next();
          },
          express.json(),
        ],
      },
      areas,
    );
    app.use(routes.dispatch);
    app.use((_req, res) => {
      res.status(404).json({ message: 'no route' });
    });
    const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      res.status(500).json({ message: error instanceof Error ? error.message : 'unknown' });
    };
    app.use(onError);
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prefers a literal segment over a parameter whatever the order of registration, and decodes parameters', async () => {
    expect(await (await fetch(`${base}/api/t1/things/special`)).json()).toEqual({ route: 'special' });
    const one = await (await fetch(`${base}/api/t%201/things/a%2Fb?x=1`)).json();
    expect(one).toEqual({ route: 'one', id: 'a/b', pattern: '/api/:tenant/things/:id' });
    expect(seen).toContain('auth GET t 1');
  });

  it('hands a long parameter to the handler instead of answering 404', async () => {
    const id = 'x'.repeat(500);
    expect(await (await fetch(`${base}/api/t1/things/${id}`)).json()).toMatchObject({ id });
  });

  it('runs the body middleware for a POST only, after the prefix middleware', async () => {
    seen.length = 0;
    await fetch(`${base}/api/t1/things/1`);
    expect(seen).toEqual(['auth GET t1']);
    seen.length = 0;
    const res = await fetch(`${base}/api/t1/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ body: { a: 1 } });
    expect(seen).toEqual(['auth POST t1', 'body POST']);
  });

  it('sends a rejected handler to the error handler, and an unknown path or method to the next middleware', async () => {
    const failed = await fetch(`${base}/api/t1/fails`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'handler failed' });
    expect((await fetch(`${base}/api/t1/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/api/t1/things/1`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers HEAD with the GET route, without a body, and ignores a trailing slash', async () => {
    const head = await fetch(`${base}/api/t1/things/special`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(await (await fetch(`${base}/api/t1/things/special/`)).json()).toEqual({ route: 'special' });
  });

  it('refuses the same route twice when the service starts', () => {
    const twice = new RouteGroup().get('/a/:id', (_req, res) => res.end()).get('/a/:id', (_req, res) => res.end());
    expect(() => new RouteTable().add('', {}, twice)).toThrow(/already declared/);
  });
});
