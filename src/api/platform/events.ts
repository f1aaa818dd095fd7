import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { z } from 'zod';
import type { EventStore } from '../../events/eventStore.js';
import { PUBLISHED_EVENT_TYPES, toPublished, type PublishedEvent } from '../../events/published.js';
import { parseInput } from '../errors.js';

const MAX_SCAN = 10_000;
const SCAN_BATCH = 1000;
const STREAM_POLL_MS = 200;
const KEEP_ALIVE_MS = 15_000;

const position = z
  .string()
  .regex(/^\d{1,20}$/, 'must be a log position (a whole number)')
  .transform((v) => BigInt(v));
const feedQuery = z.object({
  after: position.optional(),
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(100),
  type: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? undefined : new Set(Array.isArray(v) ? v : v.split(','))))
    .refine((types) => types === undefined || [...types].every((t) => PUBLISHED_EVENT_TYPES.has(t)), {
      message: `must name published event types: ${[...PUBLISHED_EVENT_TYPES].join(', ')}`,
    }),
});

interface Scope {
  company_id: string;
  application_id: string;
  types: Set<string> | undefined;
}

/**
 * The caller's published events after `after`, in log order. Scans at most MAX_SCAN events of
 * the log per call; `next` is where the scan stopped, so a quiet filter still makes progress.
 */
async function readFeed(store: EventStore, scope: Scope, after: bigint, limit: number): Promise<{ items: PublishedEvent[]; next: string }> {
  const items: PublishedEvent[] = [];
  let cursor = after;
  let scanned = 0;
  while (items.length < limit && scanned < MAX_SCAN) {
    const batch = await store.readAll({ after: cursor, limit: SCAN_BATCH });
    if (batch.length === 0) break;
    for (const event of batch) {
      scanned += 1;
      cursor = event.position;
      const visible =
        PUBLISHED_EVENT_TYPES.has(event.type) &&
        event.metadata.company_id === scope.company_id &&
        event.metadata.application_id === scope.application_id &&
        (scope.types === undefined || scope.types.has(event.type));
      if (visible) items.push(toPublished(event));
      if (items.length >= limit) break;
    }
    if (batch.length < SCAN_BATCH) break;
  }
  return { items, next: cursor.toString() };
}

function scopeOf(req: Request, types: Set<string> | undefined): Scope {
  const { company_id, application_id } = req.params as { company_id: string; application_id: string };
  return { company_id, application_id, types };
}

export function eventsRouter(deps: { store: EventStore }): RouteGroup {
  const router = new RouteGroup();

  router.get('/events', async (req, res) => {
    const query = parseInput(feedQuery, req.query, 'query');
    res.json(await readFeed(deps.store, scopeOf(req, query.type), query.after ?? 0n, query.limit));
  });

  /** Server-Sent Events: each event's id is its position, so a reconnect resumes with Last-Event-ID. */
  router.get('/events/stream', async (req, res) => {
    const lastEventId = req.get('last-event-id');
    const query = parseInput(feedQuery, { ...req.query, ...(lastEventId === undefined ? {} : { after: lastEventId }) }, 'query');
    const scope = scopeOf(req, query.type);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    let cursor = query.after ?? 0n;
    let open = true;
    req.on('close', () => {
      open = false;
    });
    let lastWrite = Date.now();
    while (open) {
      const { items, next } = await readFeed(deps.store, scope, cursor, query.limit);
      for (const item of items) res.write(`id: ${item.position}\nevent: ${item.type}\ndata: ${JSON.stringify(item)}\n\n`);
      cursor = BigInt(next);
      if (items.length > 0) lastWrite = Date.now();
      else if (Date.now() - lastWrite > KEEP_ALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      if (items.length < query.limit) await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS));
    }
    res.end();
  });

  return router;
}
