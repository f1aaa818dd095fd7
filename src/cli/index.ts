import { Command, InvalidArgumentError } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { createLogger } from '../api/observability.js';
import { registerApplication, registerPlatformClient } from '../commands/access/handlers.js';
import type { CommandContext } from '../commands/commandRunner.js';
import { evolveCustomerView } from '../projections/customers/customerView.js';
import { loadConfig } from '../config.js';
import { SqliteEventStore } from '../events/sqliteEventStore.js';
import { userStream } from '../events/customerEvents.js';
import { createService, type Service } from '../main.js';
import { rebuildSqliteProjection } from '../projections/sqlite/rebuild.js';
import { createRandomIds } from '../shared/ids.js';
import { toUserSchema } from '../api/platform/customerMapping.js';
import { OutboxNotifier } from '../commands/notifications/outboxNotifier.js';
import { addSubscriptionCommands, addWebhookCommands } from './eventCommands.js';
import { eraseCustomer } from '../commands/customer/erase.js';
import { forgetImportReport } from '../commands/group/handlers.js';
import { groupStream } from '../events/groupEvents.js';
import { eraseBody } from '../api/platform/customerPrivacy.js';

const ids = createRandomIds();

async function withService<T>(work: (service: Service) => Promise<T>): Promise<T> {
  // Jobs are left to the running service: a one-shot process would abandon a run half-way.
  const service = await createService(loadConfig(), { logger: createLogger('warn'), runJobs: false });
  try {
    return await work(service);
  } finally {
    await service.close();
  }
}

const operatorContext = (name: string, company: string): CommandContext => ({
  name,
  commandId: `cli-${ids.token(12)}`,
  metadata: { company_id: company, actor: { type: 'system', id: 'cli' }, correlation_id: `cli-${ids.token(12)}` },
});

function companyOption(value: string): string {
  if (!/^\d+$/.test(value)) throw new Error(`--company must be numeric, got "${value}"`);
  return value;
}

function countOption(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return Number(value);
}

const program = new Command('user-service').description('Operator commands for the user service');

const clients = program.command('clients').description('platform API clients (back-office credentials)');
clients
  .command('create')
  .requiredOption('--company <id>', 'numeric company id', companyOption)
  .option('--id <client_id>', 'client id (default: generated)')
  .description('register a platform client; prints its secret once')
  .action(async (options: { company: string; id?: string }) => {
    const clientId = options.id ?? ids.objectId();
    const secret = ids.token(32);
    await withService((s) =>
      registerPlatformClient(s.commands, operatorContext('registerPlatformClient', options.company), {
        id: clientId,
        company_id: options.company,
        secret,
      }),
    );
    console.log(JSON.stringify({ company_id: options.company, client_id: clientId, client_secret: secret }, null, 2));
  });

const applications = program.command('applications').description('sales channels (storefront credentials)');
applications
  .command('create')
  .requiredOption('--company <id>', 'numeric company id', companyOption)
  .option('--id <application_id>', 'application id (default: generated)')
  .description('register a sales channel; prints its token once')
  .action(async (options: { company: string; id?: string }) => {
    const applicationId = options.id ?? ids.objectId();
    const token = ids.token(32);
    await withService((s) =>
      registerApplication(s.commands, operatorContext('registerApplication', options.company), {
        id: applicationId,
        company_id: options.company,
        secret: token,
      }),
    );
    console.log(JSON.stringify({ company_id: options.company, application_id: applicationId, application_token: token }, null, 2));
  });

const projections = program.command('projections').description('read models built from the event log');
projections
  .command('rebuild [name]')
  .description('rebuild a read model (or all) from position zero and swap it in')
  .action(async (name: string | undefined) => {
    await withService(async (s) => {
      if (!(s.eventStore.inner instanceof SqliteEventStore) || s.config.MONGODB_URL !== undefined) {
        throw new Error('rebuild in place is implemented for the embedded store; see README for MongoDB');
      }
      const store = s.eventStore;
      const names = name === undefined ? s.readStore.projections.map((p) => p.name) : [name];
      for (const projection of names) {
        const bar = new SingleBar({ format: `${projection} [{bar}] {percentage}% | {value}/{total} events | {eta}s left` }, Presets.shades_classic);
        bar.start(1, 0);
        const started = Date.now();
        const { events } = rebuildSqliteProjection(s.db, store, projection, (done, total) => {
          bar.setTotal(total);
          bar.update(done);
        });
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        console.log(`${projection}: ${events} events in ${seconds.toFixed(2)} s`);
      }
    });
  });

const users = program.command('users').description('customers');
users
  .command('erase <user_id>')
  .requiredOption('--reason <text>', 'why the customer is erased (kept in the log)')
  .option('--reason-id <id>', 'a ticket or request reference')
  .description('right to be forgotten: destroy the customer\'s data key and drop their data from the read models')
  .action(async (userId: string, options: { reason: string; reasonId?: string }) => {
    const body = eraseBody.parse({ reason: options.reason, ...(options.reasonId === undefined ? {} : { reason_id: options.reasonId }) });
    await withService(async (s) => {
      const first = (await s.eventStore.readStream(userStream(userId)))[0];
      if (first === undefined) throw new Error(`no customer ${userId}`);
      const context = operatorContext('eraseCustomer', first.metadata.company_id);
      context.metadata = { ...context.metadata, ...(first.metadata.application_id === undefined ? {} : { application_id: first.metadata.application_id }) };
      await eraseCustomer(s.erasure, context, userId, body);
      console.log(`erased ${userId}`);
    });
  });

const groups = program.command('groups').description('customer groups');
groups
  .command('forget-report <group_id> <job_id>')
  .requiredOption('--reason <text>', 'why (kept in the log)')
  .description("forget what a CSV import's rejected rows quoted: destroy the import's data key and erase the report's values")
  .action(async (groupId: string, jobId: string, options: { reason: string }) => {
    await withService(async (s) => {
      const created = (await s.eventStore.readStream(groupStream(groupId)))[0];
      if (created === undefined) throw new Error(`no user group ${groupId}`);
      const context = operatorContext('forgetImportReport', created.metadata.company_id);
      context.metadata = { ...context.metadata, ...(created.metadata.application_id === undefined ? {} : { application_id: created.metadata.application_id }) };
      await forgetImportReport({ ...s.commands, keys: s.eventStore.keys }, context, groupId, jobId, options.reason);
      console.log(`forgot the report of import ${jobId}`);
    });
  });

const audit = program.command('audit').description('history from the event log');
audit
  .command('user <user_id>')
  .option('--json', 'one JSON object per event')
  .option('--at <time>', 'also print the customer as they were at this ISO time')
  .description("print a customer's history: what changed, when, who did it, and why")
  .action(async (userId: string, options: { json?: boolean; at?: string }) => {
    await withService(async (s) => {
      const events = await s.eventStore.readStream(userStream(userId));
      if (events.length === 0) throw new Error(`no events for user ${userId}`);
      for (const e of events) {
        const data = e.data as Record<string, unknown>;
        const entry = {
          at: e.occurred_at,
          type: e.type,
          actor: `${e.metadata.actor.type}:${e.metadata.actor.id}`,
          reason: data.reason,
          reason_id: data.reason_id,
          correlation_id: e.metadata.correlation_id,
        };
        if (options.json === true) console.log(JSON.stringify(entry));
        else {
          const why = entry.reason === undefined ? '' : `  reason="${String(entry.reason)}"${entry.reason_id === undefined ? '' : ` (${String(entry.reason_id)})`}`;
          console.log(`${entry.at}  ${entry.type.padEnd(14)} by ${entry.actor}${why}`);
        }
      }
      if (options.at !== undefined) {
        const at = new Date(options.at);
        if (Number.isNaN(at.getTime())) throw new Error(`--at: "${options.at}" is not an ISO date-time`);
        const view = events.filter((e) => new Date(e.occurred_at) <= at).reduce(evolveCustomerView, null);
        console.log(JSON.stringify(view === null ? null : toUserSchema(view), null, 2));
      }
    });
  });

program
  .command('outbox')
  .option('--limit <n>', 'how many messages, newest first', countOption, 20)
  .option('--json', 'one JSON object per message')
  .description('print the latest messages of the local outbox, where OTPs and links go without NOTIFY_WEBHOOK_URL')
  .action(async (options: { limit: number; json?: boolean }) => {
    await withService(async (s) => {
      if (s.config.NOTIFY_WEBHOOK_URL !== undefined) console.error('NOTIFY_WEBHOOK_URL is set: new messages go to the webhook, not to this outbox');
      for (const m of new OutboxNotifier(s.db, () => new Date()).latest(options.limit)) {
        if (options.json === true) console.log(JSON.stringify(m));
        else console.log(`${m.created_at}  #${m.id}  ${m.channel.padEnd(5)} ${m.to}  ${m.template}  ${JSON.stringify(m.data)}  app ${m.application_id}`);
      }
    });
  });

const jobs = program.command('jobs').description('background jobs: notification deliveries, …');
jobs
  .command('failed')
  .option('--limit <n>', 'how many, latest failure first', countOption, 20)
  .option('--json', 'one JSON object per job, with its payload')
  .description('list the jobs that failed every attempt')
  .action(async (options: { limit: number; json?: boolean }) => {
    await withService(async (s) => {
      for (const job of await s.jobs.failed(options.limit)) {
        const failed_at = job.failedAt.toISOString();
        if (options.json === true) console.log(JSON.stringify({ id: job.id, name: job.name, attempts: job.attempts, failed_at, error: job.error, payload: job.payload }));
        else console.log(`${failed_at}  ${job.id}  ${job.name}  after ${job.attempts} attempt(s): ${job.error}`);
      }
    });
  });
jobs
  .command('retry <id>')
  .description('queue a failed job again, due now, with a fresh set of attempts')
  .action(async (id: string) => {
    await withService(async (s) => {
      if (!(await s.jobs.retry(id))) throw new Error(`no failed job has the id ${id}`);
      console.log(`job ${id} is queued again`);
    });
  });

addWebhookCommands(program, { withService, operatorContext, companyOption });
addSubscriptionCommands(program);
jobs
  .command('promote <id>')
  .description('run a job that waits for its time (a delayed account deletion, a retry in backoff) now')
  .action(async (id: string) => {
    await withService(async (s) => {
      if (!(await s.jobs.promote(id))) throw new Error(`no waiting job has the id ${id}`);
      console.log(`job ${id} is due now`);
    });
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
