import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { z } from 'zod';
import type { EventStore } from '../../events/eventStore.js';
import type { StoredEvent } from '../../events/envelope.js';
import { userStream } from '../../events/customerEvents.js';
import { evolveCustomerView } from '../../projections/customers/customerView.js';
import { notFound } from '../../shared/errors.js';
import { parseInput } from '../errors.js';
import { pageOf, toUserSchema } from './customerMapping.js';

const TITLES: Record<string, string> = {
  UserCreated: 'Customer created',
  UserUpdated: 'Profile updated',
  UserBlocked: 'Customer blocked',
  UserUnblocked: 'Customer unblocked',
  UserArchived: 'Customer archived',
  UserRestored: 'Customer restored',
  UserContactAdded: 'Email or mobile added',
  UserContactRemoved: 'Email or mobile removed',
  UserContactVerified: 'Email or mobile verified',
  UserPrimaryContactSet: 'Primary email or mobile changed',
  UserDeletionRequested: 'Account deletion requested',
  UserDeletionCancelled: 'Account deletion cancelled',
  UserErased: 'Customer erased',
};

/** When the waiting delete request, if any, archives the customer: the reply's `delete_on`. */
function pendingDeletionOn(events: StoredEvent[]): string | undefined {
  let deleteOn: string | undefined;
  for (const e of events) {
    if (e.type === 'UserDeletionRequested') deleteOn = (e.data as { delete_on: string }).delete_on;
    else if (e.type === 'UserDeletionCancelled' || e.type === 'UserArchived') deleteOn = undefined;
  }
  return deleteOn;
}

const timelineQuery = z.object({
  page_no: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100, 'must be at most 100').default(20),
});
const asOfQuery = z.object({
  at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z' }),
});

/**
 * Audit replays straight from the event log: what happened to a customer, when, by whom and why,
 * and the customer as they were at a given time.
 */
export function customerHistoryRouter(deps: { store: EventStore }): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;

  async function historyOf(req: Request, userId: string): Promise<StoredEvent[]> {
    const events = await deps.store.readStream(userStream(userId));
    if (events.length === 0 || events[0]?.metadata.application_id !== appOf(req)) throw notFound('user');
    return events;
  }

  router.get('/customers/:user_id/timeline', async (req, res) => {
    const { page_no, page_size } = parseInput(timelineQuery, req.query, 'query');
    const userId = (req.params as { user_id: string }).user_id;
    const history = await historyOf(req, userId);
    const events = history.filter((e) => TITLES[e.type] !== undefined).reverse();
    const page = events.slice((page_no - 1) * page_size, page_no * page_size);
    const deleteOn = pendingDeletionOn(history);
    res.json({
      ...(deleteOn === undefined ? {} : { delete_on: deleteOn }),
      timeline: page.map((e) => {
        const data = e.data as { reason?: string; reason_id?: string };
        return {
          date: e.occurred_at,
          title: TITLES[e.type] ?? e.type,
          type: e.type,
          visible: true,
          sub_title: data.reason ?? null,
          ...(data.reason_id === undefined ? {} : { reason_id: data.reason_id }),
          actor: e.metadata.actor,
          correlation_id: e.metadata.correlation_id,
        };
      }),
      page: pageOf(page_no, page_size, events.length),
    });
  });

  router.get('/customers/:user_id/as-of', async (req, res) => {
    const { at } = parseInput(asOfQuery, req.query, 'query');
    const userId = (req.params as { user_id: string }).user_id;
    const until = new Date(at).getTime();
    const view = (await historyOf(req, userId))
      .filter((e) => new Date(e.occurred_at).getTime() <= until)
      .reduce(evolveCustomerView, null);
    if (view === null) throw notFound(`user as of ${at}`);
    res.json({ user: toUserSchema(view), as_of: new Date(until).toISOString() });
  });

  return router;
}
