import { EventStoreDBClient } from '@eventstore/db-client';
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext } from '../commands/commandRunner.js';
import { loadConfig } from '../config.js';
import {
  CONSUMER_STRATEGIES,
  categoryStream,
  parseCategory,
  SubscriptionInputError,
  createSubscription,
  describeSubscription,
  parseFilter,
  parseGroup,
  type ConsumerStrategyOption,
  type SubscriptionRequest,
} from '../events/esdbSubscriptions.js';
import type { Service } from '../main.js';
import { webhookInput } from '../webhooks/webhooks.js';

export interface CliHelpers {
  withService<T>(work: (service: Service) => Promise<T>): Promise<T>;
  operatorContext(name: string, company: string): CommandContext;
  companyOption(value: string): string;
}

function applicationOption(value: string): string {
  if (!/^[0-9a-f]{24}$/.test(value)) throw new InvalidArgumentError('must be a 24-character application id');
  return value;
}

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

interface Scoped {
  company: string;
  application: string;
}

/** `webhooks …`: what `{P}/webhooks` does, for operators. */
export function addWebhookCommands(program: Command, cli: CliHelpers): void {
  const webhooks = program.command('webhooks').description('webhooks for published events (see docs/events.md)');
  const scoped = (command: Command) =>
    command
      .requiredOption('--company <id>', 'numeric company id', cli.companyOption)
      .requiredOption('--application <id>', 'application (sales channel) id', applicationOption);
  const context = (name: string, options: Scoped): CommandContext => {
    const base = cli.operatorContext(name, options.company);
    return { ...base, metadata: { ...base.metadata, application_id: options.application } };
  };
  const scopeOf = (options: Scoped) => ({ company_id: options.company, application_id: options.application });

  scoped(webhooks.command('create'))
    .requiredOption('--url <url>', 'http(s) URL that receives the POSTs')
    .requiredOption('--types <types>', 'comma-separated published event types, or "*" for all')
    .option('--description <text>', 'what it is for')
    .description('register a webhook; prints its signing secret once')
    .action(async (options: Scoped & { url: string; types: string; description?: string }) => {
      const parsed = webhookInput.safeParse({
        url: options.url,
        event_types: options.types.split(',').map((t) => t.trim()).filter((t) => t !== ''),
        ...(options.description === undefined ? {} : { description: options.description }),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const option = issue?.path[0] === 'event_types' ? '--types' : `--${String(issue?.path[0] ?? 'url')}`;
        throw new Error(`${option}: ${issue?.message ?? 'invalid'}`);
      }
      const created = await cli.withService((s) => s.webhooks.register(context('registerWebhook', options), parsed.data));
      console.log(JSON.stringify(created, null, 2));
    });

  scoped(webhooks.command('list'))
    .option('--json', 'one JSON object per webhook')
    .description("list an application's webhooks")
    .action(async (options: Scoped & { json?: boolean }) => {
      for (const w of await cli.withService((s) => s.webhooks.list(scopeOf(options)))) {
        if (options.json === true) console.log(JSON.stringify(w));
        else console.log(`${w.id}  ${w.url}  ${w.event_types.join(',')}  since ${w.since_position}`);
      }
    });

  scoped(webhooks.command('delete <webhook_id>'))
    .option('--reason <text>', 'why, for the audit trail')
    .description('delete a webhook: deliveries not yet made are dropped')
    .action(async (webhookId: string, options: Scoped & { reason?: string }) => {
      await cli.withService((s) => s.webhooks.remove(context('deleteWebhook', options), webhookId, options.reason));
      console.log(`webhook ${webhookId} deleted`);
    });

  scoped(webhooks.command('dead-letters'))
    .option('--webhook <id>', 'only this webhook')
    .option('--limit <n>', 'how many, latest failure first', wholeNumber(1, 1000), 100)
    .option('--json', 'one JSON object per delivery')
    .description('list deliveries that failed every attempt')
    .action(async (options: Scoped & { webhook?: string; limit: number; json?: boolean }) => {
      for (const d of await cli.withService((s) => s.webhooks.deadLetters(scopeOf(options), options.webhook, options.limit))) {
        if (options.json === true) console.log(JSON.stringify(d));
        else console.log(`${d.failed_at}  ${d.delivery_id}  ${d.event_type}  after ${d.attempts} attempt(s): ${d.error}`);
      }
    });

  scoped(webhooks.command('replay <delivery_id>'))
    .description('send a delivery again: a dead-lettered one with fresh attempts, any other as a new delivery')
    .action(async (deliveryId: string, options: Scoped) => {
      const replayed = await cli.withService((s) => s.webhooks.replay(scopeOf(options), deliveryId));
      console.log(`delivery ${replayed.delivery_id} is queued (${replayed.from === 'dead_letters' ? 'from the dead-letter list' : 'again, from the log'})`);
    });
}

async function withEventStoreDb(work: (client: EventStoreDBClient) => Promise<void>): Promise<void> {
  const url = loadConfig().EVENTSTORE_URL;
  if (url === undefined) throw new Error('EVENTSTORE_URL is not set: persistent subscriptions live on EventStoreDB (use --dry-run to check the arguments)');
  const client = EventStoreDBClient.connectionString(url);
  try {
    await work(client);
  } finally {
    await client.dispose();
  }
}

/** `subscriptions create`: persistent subscription groups on EventStoreDB, for consumers that read it directly. */
export function addSubscriptionCommands(program: Command): void {
  const subscriptions = program.command('subscriptions').description('EventStoreDB persistent subscription groups (competing consumers)');
  subscriptions
    .command('create <group>')
    .option('--filter <filter>', 'published | all | type:<A,B> | stream-prefix:<p1,p2> | category:<name>', 'published')
    .option('--from <where>', 'start (the whole log first) or end (from now on)', 'end')
    .option('--strategy <strategy>', Object.keys(CONSUMER_STRATEGIES).join(' | '), 'round-robin')
    .option('--max-retries <n>', 'deliveries of one event before it is parked', wholeNumber(0, 1000), 10)
    .option('--message-timeout <ms>', 'an event not acked within this goes to another consumer', wholeNumber(1000, 3_600_000), 30_000)
    .option('--dry-run', 'print what would be created and stop, without EventStoreDB')
    .description('create a persistent subscription group on EVENTSTORE_URL')
    .action(
      async (
        group: string,
        options: { filter: string; from: string; strategy: string; maxRetries: number; messageTimeout: number; dryRun?: boolean },
      ) => {
        if (options.from !== 'start' && options.from !== 'end') throw new SubscriptionInputError(`--from: "${options.from}" must be start or end`);
        if (!(options.strategy in CONSUMER_STRATEGIES)) {
          throw new SubscriptionInputError(`--strategy: "${options.strategy}" must be one of ${Object.keys(CONSUMER_STRATEGIES).join(', ')}`);
        }
        const request: SubscriptionRequest = {
          group: parseGroup(group),
          filter: parseFilter(options.filter),
          from: options.from,
          strategy: options.strategy as ConsumerStrategyOption,
          maxRetries: options.maxRetries,
          messageTimeoutMs: options.messageTimeout,
        };
        const plan = describeSubscription(request);
        if (options.dryRun === true) {
          console.log(JSON.stringify(plan, null, 2));
          return;
        }
        await withEventStoreDb((client) => createSubscription(client, request));
        console.log(`created subscription group "${plan.group}" on ${'stream' in plan.target ? plan.target.stream : '$all'}`);
      },
    );

  subscriptions
    .command('replay-parked <group>')
    .option('--category <name>', 'the group is on the category stream $ce-<name>, not on $all')
    .description("deliver a group's parked (poison) events again, once its consumers are fixed")
    .action(async (group: string, options: { category?: string }) => {
      const name = parseGroup(group);
      const stream = options.category === undefined ? undefined : categoryStream(parseCategory(options.category));
      await withEventStoreDb((client) =>
        stream === undefined ? client.replayParkedMessagesToAll(name) : client.replayParkedMessagesToStream(stream, name),
      );
      console.log(`parked events of "${name}" are being delivered again`);
    });
}
