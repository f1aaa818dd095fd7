import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { z } from 'zod';
import { sessionDurationMs } from '../../commands/platformConfig/configSchema.js';
import { defaultPlatformConfig } from '../../commands/platformConfig/defaults.js';
import { endSessions, SESSION_COOKIE, startSession, type SessionDeps } from '../../commands/session/sessions.js';
import type { CustomersReadModel, PlatformConfigReadModel } from '../../projections/readStore.js';
import { conflict, notFound } from '../../shared/errors.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';

export interface SessionsRouterDeps {
  sessions: SessionDeps;
  customers: CustomersReadModel;
  platformConfigs: PlatformConfigReadModel;
}

const required = (name: string) => z.string({ error: 'is required' }).trim().min(1, 'is required').max(1000, `${name} is too long`);
const createBody = z.object({
  user_id: required('user_id'),
  domain: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(253)
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name'),
});
const listQuery = z.object({ id: required('id') });
const deleteOneQuery = z.object({ id: required('id'), session_id: required('session_id'), reason: required('reason') });
const deleteAllQuery = z.object({ id: required('id'), reason: required('reason') });

export function sessionsRouter(deps: SessionsRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;
  const existingCustomer = async (req: Request, userId: string) => {
    const customer = await deps.customers.status(appOf(req), userId);
    if (customer === null) throw notFound(`user ${userId}`);
    return customer;
  };

  router.post('/customers/session', async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const customer = await existingCustomer(req, body.user_id);
    if (customer.archive) throw conflict('user_archived', 'user_id: the customer is archived');
    if (!customer.active) throw conflict('user_blocked', 'user_id: the customer is blocked');
    const config = (await deps.platformConfigs.get(appOf(req)))?.config ?? defaultPlatformConfig();
    const durationMs = sessionDurationMs(config);
    const { token } = await startSession(deps.sessions, commandContext(req, 'createUserSession', platformActor(req)), {
      user_id: body.user_id,
      application_id: appOf(req),
      domain: body.domain,
      user_agent: req.get('user-agent') ?? '',
      ip: req.ip ?? '',
      duration_ms: durationMs,
      rolling: config.session_config.is_rolling,
    });
    res.json({
      domain: body.domain,
      max_age: Math.floor(durationMs / 1000),
      secure: true,
      http_only: true,
      cookie: { [SESSION_COOKIE]: token },
    });
  });

  router.get('/customers/sessions', async (req, res) => {
    const { id } = parseInput(listQuery, req.query, 'query');
    await existingCustomer(req, id);
    const now = deps.sessions.clock.now().getTime();
    const sessions = await deps.sessions.sessions.listForUser(appOf(req), id, now);
    res.json({
      items: sessions.map((s) => ({
        session_id: s.session_id,
        user_agent: s.user_agent,
        ip: s.ip,
        domain: s.domain,
        expire_in: new Date(s.expires_at).toISOString(),
        location: '',
      })),
    });
  });

  router.delete('/customers/session', async (req, res) => {
    const query = parseInput(deleteOneQuery, req.query, 'query');
    await existingCustomer(req, query.id);
    const now = deps.sessions.clock.now().getTime();
    const live = await deps.sessions.sessions.listForUser(appOf(req), query.id, now);
    if (!live.some((s) => s.session_id === query.session_id)) throw notFound('session', 'query.session_id');
    await endSessions(deps.sessions, commandContext(req, 'deleteSession', platformActor(req)), {
      application_id: appOf(req),
      user_id: query.id,
      session_ids: [query.session_id],
      reason: query.reason,
    });
    res.json({ user_id: query.id, session_id: query.session_id });
  });

  router.delete('/customers/sessions', async (req, res) => {
    const query = parseInput(deleteAllQuery, req.query, 'query');
    await existingCustomer(req, query.id);
    const ended = await endSessions(deps.sessions, commandContext(req, 'deleteActiveSessions', platformActor(req)), {
      application_id: appOf(req),
      user_id: query.id,
      reason: query.reason,
    });
    res.json({ user_id: query.id, session_ids: ended });
  });

  return router;
}
