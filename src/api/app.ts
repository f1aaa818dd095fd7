import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
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
import { bulkUserJobsRouter } from './platform/bulkUserJobs.js';
import { attributeRouters } from './platform/attributeRouters.js';
import { groupsRouter } from './platform/groups.js';
import type { JobQueue } from '../jobs/jobQueue.js';
import type { FetchLimits } from '../commands/group/fileFetch.js';
import { errorHandler, notFoundRoute } from './errors.js';
import { requestLogging, type Metrics } from './observability.js';
import { customersRouter } from './platform/customers.js';
import { PLATFORM_PREFIX } from './platform/prefix.js';
import { customerPrivacyRouter } from './platform/customerPrivacy.js';
import type { ErasureDeps } from '../commands/customer/erase.js';
import { requirePlatformAccess, type PlatformTokens } from './platformAuth.js';
import { addApplicationRoutes } from './application/index.js';
import { RouteGroup, RouteTable, runChain } from './routeTable.js';
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

export const TOKEN_PATH = '/service/panel/authentication/v1.0/company/:company_id/oauth/token';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'extended');
  app.response.json = sendJson;
  const json = express.json({ limit: '1mb' });
  const routes = new RouteTable();

  routes.add('', {}, new RouteGroup()
    .get('/health', async (_req, res) => {
      const health = await deps.health();
      res.status(health.ready ? 200 : 503).json({ status: health.ready ? 'ok' : 'starting', ...health });
    })
    .get('/metrics', async (_req, res) => {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    })
    .post(TOKEN_PATH, express.urlencoded({ extended: false, limit: '16kb' }), json, async (req, res) => {
      const grant = (req.body as { grant_type?: unknown } | undefined)?.grant_type;
      if (grant !== 'client_credentials') {
        res.status(400).json({ success: false, code: 'unsupported_grant_type', message: 'grant_type: only client_credentials is supported' });
        return;
      }
      const { company_id } = req.params as { company_id: string };
      res.json(await deps.tokens.issue(company_id, req.headers.authorization));
    }));

  // Authenticate before parsing: an anonymous caller cannot make the server read a 1 MiB body.
  routes.add(PLATFORM_PREFIX, { before: [requirePlatformAccess(deps.tokens, deps.readStore.access)], body: [json] }, [
    sessionsRouter({ sessions: deps.sessions, customers: deps.readStore.customers, platformConfigs: deps.readStore.platformConfigs }),
    customersRouter({
      sessions: deps.sessions,
      commands: deps.commands,
      customers: deps.readStore.customers,
      ids: deps.ids,
      defaultCountryCode: deps.defaultCountryCode,
    }),
    groupsRouter({
      commands: deps.commands,
      groups: deps.readStore.groups,
      customers: deps.readStore.customers,
      definitions: deps.readStore.attributeDefinitions,
      jobs: deps.jobs,
      ids: deps.ids,
      limits: deps.groupImports,
    }),
    customerHistoryRouter({ store: deps.commands.store }),
    platformConfigRouter({ commands: deps.commands, platformConfigs: deps.readStore.platformConfigs, cipher: deps.cipher }),
    ...attributeRouters(deps),
    eventsRouter({ store: deps.commands.store }),
    webhooksRouter({ webhooks: deps.webhooks }),
    customerPrivacyRouter({ erasure: deps.erasure, readStore: deps.readStore, cipher: deps.cipher }),
    bulkUserJobsRouter(),
  ]);

  if (deps.storefront !== undefined) addApplicationRoutes(routes, deps.storefront.deps, deps.storefront.credentials);

  handleDirectly(app, [requestLogging(deps.logger, deps.metrics), routes.dispatch, notFoundRoute], errorHandler);
  return app;
}

/**
 * Replaces express's own request handling (`app.handle`, which every server made from the app
 * calls), and `app.listen`.
 *
 * - express gives each request and response its prototypes with `Object.setPrototypeOf`. V8 pays
 *   for that on every property access of those objects afterwards: it took half of a read's
 *   CPU (get by id: 230 µs per request with it, 105 µs without, in a same-time A/B). The servers
 *   `app.listen` makes create requests and responses of classes that have express's prototypes
 *   from the start; a server made some other way still gets them set per request.
 * - Every route is in the route table, so express's router only walked the same four middleware
 *   for each request, matching a path against each and making closures as it went.
 *
 * `req.query`, `res.status`, `res.json`, body parsers and the error handler behave as before.
 */
function handleDirectly(app: Express, chain: RequestHandler[], onError: ErrorRequestHandler): void {
  const fail = (error: unknown, req: Request, res: Response) => {
    try {
      onError(error, req, res, () => undefined);
    } catch {
      // Nothing more can be said on this response (its headers are gone): end the connection.
      req.socket.destroy();
    }
  };
  // Requests and responses made as express's from the start, by the servers `app.listen` makes:
  // changing the prototype of every request and response, as express does, costs V8 its fast
  // property access on them for the rest of the request.
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  const handle = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const req = (incoming instanceof AppRequest ? incoming : Object.setPrototypeOf(incoming, app.request)) as Request;
    const res = (outgoing instanceof AppResponse ? outgoing : Object.setPrototypeOf(outgoing, app.response)) as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Record<string, unknown>;
    req.originalUrl = req.url;
    req.baseUrl = '';
    runChain(chain, req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) fail(error, req, res);
    });
  };
  app.listen = ((...args: Parameters<Server['listen']>) =>
    createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app).listen(...args)) as Express['listen'];
  // express keeps `handle` off its public type; it is what `app(req, res)` and `app.listen` call.
  (app as unknown as { handle: typeof handle }).handle = handle;
}

/**
 * Replaces express's `res.json` for this app's responses. express sends JSON through `res.send`,
 * which resolves the content type and charset again on every call and turns a body of 1,000
 * characters or more into a Buffer that goes out in a second write after the headers; a string
 * lets node write headers and body at once. Same status handling: 204 and 304 carry no body.
 */
function sendJson(this: Response, body?: unknown): Response {
  if (this.statusCode === 204 || this.statusCode === 304) {
    this.end();
    return this;
  }
  const text = JSON.stringify(body) ?? '';
  if (!this.hasHeader('content-type')) this.setHeader('content-type', 'application/json; charset=utf-8');
  this.setHeader('content-length', Buffer.byteLength(text));
  this.end(text);
  return this;
}
