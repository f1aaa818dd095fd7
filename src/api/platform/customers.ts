import { RouteGroup } from '../routeTable.js';
import type { CommandDeps } from '../../commands/commandRunner.js';
import { assertDistinct, parsePhone, withOnePrimary } from '../../commands/customer/contact.js';
import { phoneKey } from '../../commands/customer/decider.js';
import { createCustomer, restoreCustomer, setCustomersActive, updateCustomer } from '../../commands/customer/handlers.js';
import { archiveCustomerEverywhere, blockCustomers } from '../../commands/customer/signOut.js';
import { parseCustomerQuery, plainSearch, type CustomerFilter } from '../../projections/customers/customerFilter.js';
import type { CustomersReadModel } from '../../projections/readStore.js';
import type { SessionDeps } from '../../commands/session/sessions.js';
import { notFound } from '../../shared/errors.js';
import type { IdGenerator } from '../../shared/ids.js';
import { commandContext, platformActor } from '../context.js';
import { parseInput } from '../errors.js';
import { pageOf, toUserSchema } from './customerMapping.js';
import {
  archiveBody,
  blockBody,
  createCustomerBody,
  listQuery,
  restoreBody,
  searchQuery,
  updateCustomerBody,
} from './customerSchemas.js';

export interface CustomersRouterDeps {
  commands: CommandDeps;
  sessions: SessionDeps;
  customers: CustomersReadModel;
  ids: IdGenerator;
  defaultCountryCode: number;
}

const SEARCH_LIMIT = 50;

/**
 * The Fynd SDK (1.4.13) makes `username` a required field of createUser and lets every string be
 * `""`, so a back office without a username or an email sends `""`: that means "not given" (the
 * service then picks the username), not an invalid value.
 */
function withoutEmptyIdentifiers(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const key of ['username', 'email']) {
    const value = copy[key];
    if (typeof value === 'string' && value.trim() === '') delete copy[key];
  }
  return copy;
}

export function customersRouter(deps: CustomersRouterDeps): RouteGroup {
  const router = new RouteGroup();
  const appOf = (params: unknown) => (params as { application_id: string }).application_id;
  const companyOf = (params: unknown) => (params as { company_id: string }).company_id;
  const context = (req: Parameters<typeof platformActor>[0], name: string) => commandContext(req, name, platformActor(req));

  router.get('/customers/list', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    const filter = query.q === undefined || query.q.trim() === '' ? undefined : parseCustomerQuery(query.q);
    const page = { page_no: query.page_no, page_size: query.page_size };
    const { items, total } = await deps.customers.list({
      application_id: appOf(req.params),
      ...(filter === undefined ? {} : { filter }),
      include_archived: false,
      page,
    });
    res.json({ items: items.map(toUserSchema), page: pageOf(page.page_no, page.page_size, total) });
  });

  router.get('/customers/search', async (req, res) => {
    const query = parseInput(searchQuery, req.query, 'query');
    const filters: CustomerFilter[] = [];
    if (query.q !== undefined && query.q.trim() !== '') filters.push(parseCustomerQuery(query.q));
    for (const value of query.query) if (value.trim() !== '') filters.push(plainSearch(value.trim()));
    if (filters.length === 0) {
      res.json({ users: [] });
      return;
    }
    const { items } = await deps.customers.list({
      application_id: appOf(req.params),
      filter: filters.length === 1 && filters[0] !== undefined ? filters[0] : { op: 'or', filters },
      include_archived: true,
      page: { page_no: 1, page_size: SEARCH_LIMIT },
    });
    res.json({ users: items.map(toUserSchema) });
  });

  router.post('/customers', async (req, res) => {
    const body = parseInput(createCustomerBody, withoutEmptyIdentifiers(req.body), 'body');
    const phone = parsePhone('body.phone_number', body.phone_number, deps.defaultCountryCode);
    const userId = deps.ids.objectId();
    const created = await createCustomer(deps.commands, context(req, 'createCustomer'), {
      user_id: userId,
      application_id: appOf(req.params),
      company_id: companyOf(req.params),
      // Fynd's own convention when no username is given: the phone number and a short suffix.
      username: body.username ?? `${phone.phone}_${userId.slice(-5)}`,
      ...(body.first_name === undefined ? {} : { first_name: body.first_name }),
      ...(body.last_name === undefined ? {} : { last_name: body.last_name }),
      ...(body.gender === undefined ? {} : { gender: body.gender }),
      ...(body.external_id === undefined ? {} : { external_id: body.external_id }),
      ...(body.rr_id === undefined ? {} : { rr_id: body.rr_id }),
      meta: body.meta ?? {},
      // A customer the merchant creates comes with contact details the merchant vouches for.
      phone_numbers: [{ ...phone, active: true, primary: true, verified: true }],
      emails: body.email === undefined ? [] : [{ email: body.email, active: true, primary: true, verified: true }],
      account_type: 'user',
    });
    const view = await deps.customers.get(appOf(req.params), created.profile.user_id);
    if (view === null) throw new Error('created customer missing from the read model');
    res.json({ user: toUserSchema(view) });
  });

  router.put('/customers/activation', async (req, res) => {
    const body = parseInput(blockBody, req.body, 'body');
    const reason = { reason: body.reason, ...(body.reason_id === undefined ? {} : { reason_id: body.reason_id }) };
    if (body.status) await setCustomersActive(deps.commands, context(req, 'unblockCustomers'), body.user_id, true, reason);
    else await blockCustomers(deps.sessions, context(req, 'blockCustomers'), body.user_id, reason);
    res.json({ success: true });
  });

  router.put('/customers/archive', async (req, res) => {
    const { user_id, ...reason } = parseInput(archiveBody, req.body, 'body');
    await archiveCustomerEverywhere(deps.sessions, context(req, 'archiveCustomer'), user_id, reason);
    res.json({ success: true });
  });

  router.put('/customers/undelete', async (req, res) => {
    const { user_id, ...reason } = parseInput(restoreBody, req.body, 'body');
    await restoreCustomer(deps.commands, context(req, 'restoreCustomer'), user_id, reason);
    res.json({ success: true });
  });

  router.get('/customers/:user_id', async (req, res) => {
    const view = await deps.customers.get(appOf(req.params), req.params.user_id);
    if (view === null) throw notFound('user');
    res.json({ user: toUserSchema(view) });
  });

  router.put('/customers/:user_id', async (req, res) => {
    const body = parseInput(updateCustomerBody, req.body, 'body');
    const { phone_numbers, emails, ...rest } = body;
    const changes: Parameters<typeof updateCustomer>[3] = { ...rest };
    if (phone_numbers !== undefined) {
      const parsed = phone_numbers.map((p, i) => ({
        ...parsePhone(`body.phone_numbers[${i}].phone`, p.phone, deps.defaultCountryCode, p.country_code),
        active: p.active ?? true,
        primary: p.primary ?? false,
        verified: p.verified ?? false,
      }));
      assertDistinct('body.phone_numbers', parsed, phoneKey);
      changes.phone_numbers = withOnePrimary('body.phone_numbers', parsed);
    }
    if (emails !== undefined) {
      const parsed = emails.map((e) => ({
        email: e.email,
        active: e.active ?? true,
        primary: e.primary ?? false,
        verified: e.verified ?? false,
      }));
      assertDistinct('body.emails', parsed, (e) => e.email.toLowerCase());
      changes.emails = withOnePrimary('body.emails', parsed);
    }
    await updateCustomer(deps.commands, context(req, 'updateCustomer'), req.params.user_id, changes);
    const view = await deps.customers.get(appOf(req.params), req.params.user_id);
    if (view === null) throw notFound('user');
    res.json({ user: toUserSchema(view) });
  });

  return router;
}
