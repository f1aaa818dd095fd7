import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { z } from 'zod';
import { webhookInput, type Webhooks } from '../../webhooks/webhooks.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';

const webhookParams = z.object({ webhook_id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a webhook id') });
const deliveryParams = z.object({ delivery_id: z.string().min(1).max(200) });
const deleteQuery = z.object({ reason: z.string().max(500).optional() });
const deadLetterQuery = z.object({
  webhook_id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a webhook id').optional(),
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(100),
});

const scopeOf = (req: Request) => {
  const { company_id, application_id } = req.params as { company_id: string; application_id: string };
  return { company_id, application_id };
};

/** Webhooks for published events: registration, the dead-letter list, and replay of a delivery. */
export function webhooksRouter(deps: { webhooks: Webhooks }): RouteGroup {
  const router = new RouteGroup();

  router.post('/webhooks', async (req, res) => {
    const input = parseInput(webhookInput, req.body, 'body');
    res.status(201).json(await deps.webhooks.register(commandContext(req, 'registerWebhook', platformActor(req)), input));
  });

  router.get('/webhooks', async (req, res) => {
    res.json({ items: await deps.webhooks.list(scopeOf(req)) });
  });

  // Before /webhooks/:webhook_id, which would take "dead-letters" for an id.
  router.get('/webhooks/dead-letters', async (req, res) => {
    const query = parseInput(deadLetterQuery, req.query, 'query');
    res.json({ items: await deps.webhooks.deadLetters(scopeOf(req), query.webhook_id, query.limit) });
  });

  router.post('/webhooks/deliveries/:delivery_id/replay', async (req, res) => {
    const { delivery_id } = parseInput(deliveryParams, req.params, 'params');
    res.status(202).json(await deps.webhooks.replay(scopeOf(req), delivery_id));
  });

  router.get('/webhooks/:webhook_id', async (req, res) => {
    const { webhook_id } = parseInput(webhookParams, req.params, 'params');
    res.json(await deps.webhooks.get(scopeOf(req), webhook_id));
  });

  router.delete('/webhooks/:webhook_id', async (req, res) => {
    const { webhook_id } = parseInput(webhookParams, req.params, 'params');
    const { reason } = parseInput(deleteQuery, req.query, 'query');
    await deps.webhooks.remove(commandContext(req, 'deleteWebhook', platformActor(req)), webhook_id, reason);
    res.json({ id: webhook_id, deleted: true });
  });

  return router;
}
