import express, { Router, type Express } from 'express';
import type { Logger } from 'pino';
import type { CommandDeps } from '../commands/commandRunner.js';
import type { ReadStore } from '../projections/readStore.js';
import type { IdGenerator } from '../shared/ids.js';
import type { FieldCipher } from '../shared/fieldCipher.js';
import type { SessionDeps } from '../commands/session/sessions.js';
import { platformConfigRouter } from './platform/platformConfig.js';
import { sessionsRouter } from './platform/sessions.js';
import { eventsRouter } from './platform/events.js';
import { webhooksRouter } from './platform/webhooks.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { customerHistoryRouter } from './platform/customerHistory.js';
import { attributeRouters } from './platform/attributeRouters.js';
import { groupsRouter } from './platform/groups.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import type { FetchLimits } from '../commands/group/fileFetch.js';
import { errorHandler, notFoundRoute } from './errors.js';
import { requestLogging, type Metrics } from './observability.js';
import { customersRouter } from './platform/customers.js';
import { customerPrivacyRouter } from './platform/customerPrivacy.js';
import type { ErasureDeps } from '../commands/customer/erase.js';
import { requirePlatformAccess, type PlatformTokens } from './platformAuth.js';
import { APPLICATION_PREFIX, applicationRouter } from './application/index.js';
import type { Storefront } from './application/storefront.js';

export interface HealthCheck {
  (): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> }>;
}

export interface AppDeps {
  commands: CommandDeps;
  sessions: SessionDeps;
  readStore: ReadStore;
  cipher: FieldCipher;
  ids: IdGenerator;
  tokens: PlatformTokens;
  metrics: Metrics;
  logger: Logger;
  health: HealthCheck;
  defaultCountryCode: number;
  webhooks: Webhooks;
  /** Right to be forgotten: what an erasure touches besides the log. */
  erasure: ErasureDeps;
  jobs: JobQueue;
  groupImports: FetchLimits;
  /** The storefront (Application) API; absent, only the platform API is served. */
  storefront?: Storefront;
}

export const PLATFORM_PREFIX = '/service/platform/user/v1.0/company/:company_id/application/:application_id';
export const TOKEN_PATH = '/service/panel/authentication/v1.0/company/:company_id/oauth/token';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.use(requestLogging(deps.logger));
  app.use(deps.metrics.middleware);
  const json = express.json({ limit: '1mb' });

  app.get('/health', async (_req, res) => {
    const health = await deps.health();
    res.status(health.ready ? 200 : 503).json({ status: health.ready ? 'ok' : 'starting', ...health });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: '16kb' }), json, async (req, res) => {
    const grant = (req.body as { grant_type?: unknown } | undefined)?.grant_type;
    if (grant !== 'client_credentials') {
      res.status(400).json({ success: false, code: 'unsupported_grant_type', message: 'grant_type: only client_credentials is supported' });
      return;
    }
    const { company_id } = req.params as { company_id: string };
    res.json(await deps.tokens.issue(company_id, req.headers.authorization));
  });

  // One router under the prefix: express matched the prefix, with its two parameters, once per
  // mounted router, and a read passed eight of them before reaching the customers routes.
  const platform = Router({ mergeParams: true });
  // Before the customers router, whose /customers/:user_id would otherwise take /customers/sessions.
  platform.use(
    sessionsRouter({ sessions: deps.sessions, customers: deps.readStore.customers, platformConfigs: deps.readStore.platformConfigs }),
  );
  platform.use(
    customersRouter({
      sessions: deps.sessions,
      commands: deps.commands,
      customers: deps.readStore.customers,
      ids: deps.ids,
      defaultCountryCode: deps.defaultCountryCode,
    }),
  );
  // /customers/:user_id/user_groups is no path of the customers router: the order does not matter.
  platform.use(
    groupsRouter({
      commands: deps.commands,
      groups: deps.readStore.groups,
      customers: deps.readStore.customers,
      definitions: deps.readStore.attributeDefinitions,
      jobs: deps.jobs,
      ids: deps.ids,
      limits: deps.groupImports,
    }),
  );
  platform.use(customerHistoryRouter({ store: deps.commands.store }));
  platform.use(platformConfigRouter({ commands: deps.commands, platformConfigs: deps.readStore.platformConfigs, cipher: deps.cipher }));
  platform.use(...attributeRouters(deps));
  platform.use(eventsRouter({ store: deps.commands.store }));
  platform.use(webhooksRouter({ webhooks: deps.webhooks }));
  platform.use(customerPrivacyRouter({ erasure: deps.erasure, readStore: deps.readStore, cipher: deps.cipher }));
  // Authenticate before parsing: an anonymous caller cannot make the server read a 1 MiB body.
  app.use(PLATFORM_PREFIX, requirePlatformAccess(deps.tokens, deps.readStore.access), json, platform);

  if (deps.storefront !== undefined) app.use(APPLICATION_PREFIX, applicationRouter(deps.storefront.deps, deps.storefront.credentials));

  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}
