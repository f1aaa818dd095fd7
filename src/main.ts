import type { Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { createApp, type HealthCheck } from './api/app.js';
import { createLogger, Metrics } from './api/observability.js';
import { PlatformTokens } from './api/platformAuth.js';
import { registerApplication, registerPlatformClient } from './commands/access/handlers.js';
import type { CommandContext, CommandDeps, Consistency } from './commands/commandRunner.js';
import { ConfigError, WEBHOOK_SECRET_REQUIRED, loadConfig, type Config } from './config.js';
import type { EncryptingEventStore } from './events/encryptingEventStore.js';
import { openEncryptedLog } from './events/encryptedLog.js';
import type { InlineProjector } from './events/sqliteEventStore.js';
import type { ReadStore } from './projections/readStore.js';
import { ProjectionRunner } from './projections/runner.js';
import { SqliteReadStore } from './projections/sqlite/sqliteReadStore.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createRandomIds, type IdGenerator } from './shared/ids.js';
import { openSqlite, type SqliteDatabase } from './shared/sqlite.js';
import { startWalCheckpointer } from './shared/walCheckpointer.js';
import { loadOrCreateEncryptionKey, loadOrCreateSigningKey } from './shared/settings.js';
import { FieldCipher } from './shared/fieldCipher.js';
import type { SessionDeps } from './commands/session/sessions.js';
import { SqliteSessionStore } from './commands/session/sqliteSessionStore.js';
import { RedisSessionStore } from './commands/session/redisSessionStore.js';
import type { Notifier } from './commands/notifications/notifier.js';
import { OutboxNotifier } from './commands/notifications/outboxNotifier.js';
import { openStorefront, type Storefront } from './api/application/storefront.js';
import type { ErasureDeps, ForgetRecipients } from './commands/customer/erase.js';
import { attemptKey } from './commands/lockout/attemptCounter.js';
import { WebhookNotifier, registerWebhookDelivery } from './commands/notifications/webhookNotifier.js';
import type { JobQueue } from './jobs/jobQueue.js';
import { openJobQueue, type JobQueueTuning } from './jobs/openJobQueue.js';
import { WebhookRegistry } from './webhooks/registry.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { registerWebhookDeliveries } from './webhooks/delivery.js';
import { Webhooks } from './webhooks/webhooks.js';
import { registerAccountDeletion } from './commands/customer/deletion.js';
import { registerGroupJobs } from './commands/group/groupJobs.js';
import { resumeGroupJobs } from './commands/group/resumeGroupJobs.js';
import { GroupConditionReactor } from './commands/group/conditionReactor.js';
import { registerReportRetention } from './commands/group/reportRetention.js';
import type { GroupJobDeps } from './commands/group/groupJob.js';

export interface ServiceOptions {
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** Tests capture messages here; otherwise configuration decides (webhook, or the local outbox). */
  notifier?: Notifier;
  /** Tests shorten the job worker's polling and the retry backoff. */
  jobTuning?: JobQueueTuning;
  /** False for one-shot processes (the CLI): they enqueue and inspect jobs, the service runs them. */
  runJobs?: boolean;
  /** Tests shorten how often the webhook dispatcher looks for new events and settled deliveries. */
  webhookPollMs?: number;
}

export interface Service {
  app: ReturnType<typeof createApp>;
  config: Config;
  /** Seals personal data on append and opens it on read; `eventStore.keys` erases a person. */
  eventStore: EncryptingEventStore;
  readStore: ReadStore;
  commands: CommandDeps;
  sessionDeps: SessionDeps;
  erasure: ErasureDeps;
  cipher: FieldCipher;
  notifier: Notifier;
  jobs: JobQueue;
  webhooks: Webhooks;
  webhookDispatcher: WebhookDispatcher;
  runner: ProjectionRunner;
  db: SqliteDatabase;
  logger: Logger;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'user-service.sqlite';

/** Composition root: configuration → adapters → application. */
export async function createService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? createRandomIds(() => clock.now());
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, true);
  const webhookSecret = config.NOTIFY_WEBHOOK_SECRET;
  if (config.NOTIFY_WEBHOOK_URL !== undefined && webhookSecret === undefined) throw new ConfigError(`invalid configuration:\n  ${WEBHOOK_SECRET_REQUIRED}`);
  const metrics = new Metrics();
  const db = openSqlite(join(config.DATA_DIR, SQLITE_FILE), config.SQLITE_SYNCHRONOUS);
  const checkpointer = startWalCheckpointer(db, { onError: (message) => logger.warn({ err: message }, 'background WAL checkpoint failed') });

  const remote = await import('./adapters.js').then((m) => m.openRemoteAdapters(config, logger));
  const readStore: ReadStore = remote.readStore ?? new SqliteReadStore(db);
  // The embedded read store, fed inside the append transaction; none with a remote log or read store.
  const inlineReadStore = remote.eventStore === undefined && readStore instanceof SqliteReadStore ? readStore : undefined;
  const inline = inlineReadStore !== undefined;
  const cipher = new FieldCipher(config.DATA_ENCRYPTION_KEY ?? loadOrCreateEncryptionKey(db));
  const sessionStore = remote.redis === undefined ? new SqliteSessionStore(db) : new RedisSessionStore(remote.redis);
  // Inside the append transaction: the read models, and the rows of sessions started with the
  // events being written (a second commit per sign-in cost more than the row itself).
  const inTransaction: InlineProjector[] = [];
  if (inlineReadStore !== undefined) inTransaction.push(inlineReadStore.inlineProjector);
  if (sessionStore instanceof SqliteSessionStore) inTransaction.push(sessionStore.writeStaged);
  const eventStore = openEncryptedLog({
    db,
    cipher,
    ...(remote.eventStore === undefined ? {} : { remoteLog: remote.eventStore }),
    ...(remote.dataKeys === undefined ? {} : { remoteKeys: remote.dataKeys }),
    ...(inTransaction.length === 0 ? {} : { inlineProjector: (events) => inTransaction.forEach((project) => project(events)) }),
    ...(inlineReadStore === undefined ? {} : { inlineCheckpoint: inlineReadStore.inlineCheckpoint }),
    cache: { cacheSize: config.DATA_KEY_CACHE_SIZE, cacheTtlMs: config.DATA_KEY_CACHE_TTL_MS },
  });

  // A shared read store is fed by the lease holder alone; the other instances' runners follow its checkpoints.
  const lease = remote.lease;
  await lease?.start();
  const runnerLog = lease?.gateLog(eventStore) ?? eventStore;
  const runnerCheckpoints = lease?.gateCheckpoints(readStore.checkpoints) ?? readStore.checkpoints;
  const runner = new ProjectionRunner(runnerLog, readStore.projections, runnerCheckpoints, {
    logger,
    pollMs: config.PROJECTION_POLL_MS,
    batchSize: 2000,
  });
  // Catch up before serving: a read model added by an upgrade, or one behind after a crash.
  await runner.catchUpAll();
  const consistency: Consistency = inline
    ? { waitFor: async () => {} }
    : {
        waitFor: async (position) => {
          const reached = await runner.waitFor(position, config.READ_YOUR_WRITES_TIMEOUT_MS);
          if (!reached) logger.warn({ position: String(position) }, 'read models did not reach a write in time');
        },
      };
  if (!inline) runner.start();

  const commands: CommandDeps = { store: eventStore, clock, consistency, observer: metrics };
  await bootstrap(config, commands);

  const sessionDeps: SessionDeps = { ...commands, sessions: sessionStore, ids };
  const now = () => clock.now();
  const jobs = await openJobQueue(config, { db, clock, logger, ...(options.jobTuning === undefined ? {} : { tuning: options.jobTuning }) });
  // Registered even when a test overrides the notifier: deliveries queued by an earlier run still go out.
  if (config.NOTIFY_WEBHOOK_URL !== undefined && webhookSecret !== undefined) {
    registerWebhookDelivery(jobs, cipher, { url: config.NOTIFY_WEBHOOK_URL, secret: webhookSecret }, now);
  }
  const notifier =
    options.notifier ?? (config.NOTIFY_WEBHOOK_URL === undefined ? new OutboxNotifier(db, now) : new WebhookNotifier(jobs, cipher, ids, now));
  const webhookRegistry = new WebhookRegistry(eventStore);
  await webhookRegistry.refresh();
  // Follows the log like a projection, under the same lease: one instance dispatches, every worker delivers.
  const webhookDispatcher = new WebhookDispatcher({
    log: runnerLog,
    checkpoints: runnerCheckpoints,
    registry: webhookRegistry,
    jobs,
    cipher,
    logger,
    pollMs: options.webhookPollMs ?? config.WEBHOOK_POLL_MS,
  });
  registerWebhookDeliveries(jobs, webhookRegistry, cipher, eventStore, { now, timeoutMs: config.WEBHOOK_TIMEOUT_MS, onSettled: () => webhookDispatcher.nudge() });
  const webhooks = new Webhooks({ commands, registry: webhookRegistry, jobs, cipher, ids });
  metrics.observeJobQueue('jobs', () => jobs.depth());
  const groupImports = {
    allowedHosts: config.GROUP_IMPORT_ALLOWED_HOSTS,
    maxBytes: config.GROUP_IMPORT_MAX_BYTES,
    timeoutMs: config.GROUP_IMPORT_TIMEOUT_MS,
  };
  const groupJobs: GroupJobDeps = {
    commands,
    groups: readStore.groups,
    customers: readStore.customers,
    definitions: readStore.attributeDefinitions,
    values: readStore.userAttributes,
    limits: groupImports,
    batchSize: config.GROUP_IMPORT_BATCH_ROWS,
    reportDays: config.GROUP_IMPORT_REPORT_DAYS,
  };
  registerGroupJobs(jobs, groupJobs);
  registerReportRetention({ commands, groups: readStore.groups, keys: eventStore.keys, jobs, days: config.GROUP_IMPORT_REPORT_DAYS });
  // Under the projection lease, like the runner and the webhook dispatcher: one instance re-evaluates.
  const groupConditions = new GroupConditionReactor(groupJobs, runnerCheckpoints, {
    pollMs: Math.max(config.PROJECTION_POLL_MS, 50),
    logger,
    log: runnerLog,
  });
  registerAccountDeletion(jobs, sessionDeps);
  if (options.runJobs !== false) {
    // A job queued by a command whose process died before the enqueue is put back here.
    await resumeGroupJobs(jobs, readStore);
    await groupConditions.init();
    groupConditions.start();
    jobs.start();
    webhookDispatcher.start();
  }

  const signingKey = config.TOKEN_SIGNING_KEY ?? loadOrCreateSigningKey(db);
  const tokens = new PlatformTokens(signingKey, config.TOKEN_TTL_SECONDS, readStore.access, clock);
  const storefront = openStorefront({ config, db, redis: remote.redis, sessions: sessionDeps, readStore, notifier, signingKey, cipher, jobs });
  const erasure = erasureDeps(sessionDeps, readStore, eventStore, storefront, notifier);
  const health: HealthCheck = async () => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      const head = await eventStore.headPosition();
      checks.event_store = { ok: true };
      const lag = inline ? 0n : head - runner.position;
      for (const p of readStore.projections) metrics.projectionLag.set({ projection: p.name }, Number(lag < 0n ? 0n : lag));
      checks.projections = { ok: inline || runner.ready, detail: `lag ${String(lag < 0n ? 0n : lag)} events` };
    } catch (error) {
      checks.event_store = { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    try {
      checks.jobs = { ok: true, detail: `${await jobs.depth()} waiting` };
    } catch (error) {
      checks.jobs = { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
  const app = createApp({
    storefront,
    commands,
    sessions: sessionDeps,
    readStore,
    ids,
    tokens,
    cipher,
    metrics,
    logger,
    health,
    webhooks,
    defaultCountryCode: config.DEFAULT_COUNTRY_CODE,
    erasure,
    jobs,
    groupImports,
  });

  return {
    app,
    config,
    eventStore,
    readStore,
    commands,
    sessionDeps,
    erasure,
    cipher,
    notifier,
    jobs,
    webhooks,
    webhookDispatcher,
    runner,
    db,
    logger,
    async close() {
      await webhookDispatcher.stop();
      await groupConditions.stop();
      await jobs.close();
      await runner.stop();
      await remote.close();
      await checkpointer.stop();
      db.close();
    },
  };
}

/** Everything an erasure reaches outside the log: sessions, attribute values, keys, OTPs, attempt counters, the outbox. */
function erasureDeps(
  sessions: SessionDeps,
  readStore: ReadStore,
  eventStore: EncryptingEventStore,
  storefront: Storefront,
  notifier: Notifier,
): ErasureDeps {
  const { otps, attempts } = storefront.deps.signin;
  const forget: ForgetRecipients[] = [
    (applicationId, _userId, recipients) => otps.forget(applicationId, recipients),
    (applicationId, userId) => attempts.reset(attemptKey(applicationId, userId)),
  ];
  const notifierForget = notifier.forget?.bind(notifier);
  if (notifierForget !== undefined) forget.push((applicationId, _userId, recipients) => notifierForget(applicationId, recipients));
  return { sessions, userAttributes: readStore.userAttributes, keys: eventStore.keys, forget };
}

const systemContext = (name: string, company_id: string): CommandContext => ({
  name,
  commandId: `bootstrap:${name}:${Date.now()}`,
  metadata: { company_id, actor: { type: 'system', id: 'bootstrap' }, correlation_id: `bootstrap-${Date.now()}` },
});

/** Registers the clients and sales channels named in the environment; re-running changes nothing. */
async function bootstrap(config: Config, commands: CommandDeps): Promise<void> {
  for (const c of config.BOOTSTRAP_PLATFORM_CLIENTS) {
    await registerPlatformClient(commands, systemContext('registerPlatformClient', c.company_id), c);
  }
  for (const a of config.BOOTSTRAP_APPLICATIONS) {
    await registerApplication(commands, systemContext('registerApplication', a.company_id), a);
  }
}

/** Resolves once the port is bound; a port that cannot be bound (in use, not allowed) rejects. */
export async function listen(service: Service): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = service.app.listen(service.config.PORT, service.config.HOST);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const service = await createService(config);
  let server: Server;
  try {
    server = await listen(service);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    console.error(`cannot listen on ${config.HOST}:${config.PORT}: ${code === 'EADDRINUSE' ? 'the address is in use' : String(error)}`);
    await service.close();
    process.exit(1);
  }
  const address = server.address();
  service.logger.info({ address }, 'user service listening');
  const shutdown = (signal: string) => {
    service.logger.info({ signal }, 'shutting down');
    server.close(() => {
      void service.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
