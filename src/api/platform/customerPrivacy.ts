import { type Request } from 'express';
import { RouteGroup } from '../routeTable.js';
import { z } from 'zod';
import { eraseCustomer, type ErasureDeps } from '../../commands/customer/erase.js';
import { userStream } from '../../events/customerEvents.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { ReadStore } from '../../projections/readStore.js';
import type { FieldCipher } from '../../shared/fieldCipher.js';
import { notFound } from '../../shared/errors.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';
import { toUserAttributeSchema } from './attributeMapping.js';
import { toUserSchema } from './customerMapping.js';

export interface CustomerPrivacyDeps {
  erasure: ErasureDeps;
  readStore: ReadStore;
  cipher: FieldCipher;
}

export const eraseBody = z.object({
  reason: z.string().trim().min(1, 'is required: say why the customer is erased').max(500),
  reason_id: z.string().max(100).optional(),
});

/** Secrets of the person's own that an export does not hand out, even to the back office. */
const WITHHELD: Record<string, string[]> = { UserPasswordSet: ['password_hash'] };

function historyEntry(event: StoredEvent) {
  const hidden = WITHHELD[event.type] ?? [];
  const data = Object.fromEntries(Object.entries(event.data as Record<string, unknown>).filter(([key]) => !hidden.includes(key)));
  return { type: event.type, version: event.version, occurred_at: event.occurred_at, actor: event.metadata.actor, data };
}

/** Right to be forgotten (erase) and to data portability (export) for one customer. */
export function customerPrivacyRouter(deps: CustomerPrivacyDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (req: Request) => (req.params as { application_id: string }).application_id;
  const userOf = (req: Request) => (req.params as { user_id: string }).user_id;

  router.post('/customers/:user_id/erase', async (req, res) => {
    const body = parseInput(eraseBody, req.body ?? {}, 'body');
    await eraseCustomer(deps.erasure, commandContext(req, 'eraseCustomer', platformActor(req)), userOf(req), {
      reason: body.reason,
      ...(body.reason_id === undefined ? {} : { reason_id: body.reason_id }),
    });
    res.json({ success: true, user_id: userOf(req) });
  });

  router.get('/customers/:user_id/export', async (req, res) => {
    const applicationId = appOf(req);
    const userId = userOf(req);
    const view = await deps.readStore.customers.get(applicationId, userId);
    if (view === null) throw notFound('user');
    const now = deps.erasure.sessions.clock.now();
    const [values, sessions, history, groupIds] = await Promise.all([
      deps.readStore.userAttributes.ofUsers(applicationId, [userId]),
      deps.erasure.sessions.sessions.listForUser(applicationId, userId, now.getTime()),
      deps.erasure.sessions.store.readStream(userStream(userId)),
      deps.readStore.groups.groupsOf(applicationId, userId),
    ]);
    const groups = (await Promise.all(groupIds.map((id) => deps.readStore.groups.get(applicationId, id)))).filter((g) => g !== null);
    const definitions = await deps.readStore.attributeDefinitions.getMany(applicationId, [...new Set(values.map((v) => v.definition_id))]);
    const byId = new Map(definitions.map((d) => [d.definition_id, d]));
    res.json({
      exported_at: now.toISOString(),
      user_id: userId,
      erased: view.erased_on !== undefined,
      profile: toUserSchema(view),
      identifiers: {
        username: view.username,
        emails: view.emails,
        phone_numbers: view.phone_numbers,
        ...(view.external_id === undefined ? {} : { external_id: view.external_id }),
        ...(view.rr_id === undefined ? {} : { rr_id: view.rr_id }),
      },
      attributes: values.map((v) => toUserAttributeSchema(v, byId.get(v.definition_id), deps.cipher)),
      // The token's hash stays behind: it is a credential, not data about the person.
      sessions: sessions.map(({ token_hash: _hash, ...session }) => ({
        ...session,
        created_at: new Date(session.created_at).toISOString(),
        expires_at: new Date(session.expires_at).toISOString(),
      })),
      group_memberships: groups.map((g) => ({ _id: g.group_id, uid: g.uid, name: g.name, type: g.type })),
      history: history.map(historyEntry),
    });
  });

  return router;
}
