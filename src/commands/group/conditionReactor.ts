import type { Logger } from 'pino';
import { PollingLoop } from '../../shared/pollingLoop.js';
import type { StoredEvent } from '../../events/envelope.js';
import type { EventStore } from '../../events/eventStore.js';
import { USER_ATTRIBUTE_STREAM_PREFIX } from '../../events/userAttributeEvents.js';
import type { CheckpointStore } from '../../projections/readStore.js';
import type { CommandContext } from '../commandRunner.js';
import { reevaluateUsers } from './conditionMembers.js';
import type { GroupJobDeps } from './groupJob.js';

const NAME = 'groupConditions';
const BATCH = 1000;

/**
 * Keeps conditional groups current: follows user attribute events from its own checkpoint and
 * re-evaluates the users they touch against each group with a condition on that definition.
 * At its first start it begins at the head: existing members come from each group's own job.
 */
export class GroupConditionReactor {
  private readonly loop: PollingLoop;

  constructor(
    private readonly deps: Pick<GroupJobDeps, 'commands' | 'groups' | 'definitions' | 'values'>,
    private readonly checkpoints: CheckpointStore,
    private readonly options: {
      pollMs: number;
      logger?: Logger;
      /**
       * The log as the projection lease lets this instance read it (empty to a follower), so that
       * with several instances only the lease holder re-evaluates groups. The command log by default.
       */
      log?: Pick<EventStore, 'headPosition' | 'readAll'>;
    },
  ) {
    // A full batch means more is waiting: the next pass runs at once.
    this.loop = new PollingLoop(async () => (await this.runOnce()) === BATCH, { pollMs: options.pollMs, what: 'group conditions', logger: options.logger });
  }

  private get log(): Pick<EventStore, 'headPosition' | 'readAll'> {
    return this.options.log ?? this.deps.commands.store;
  }

  async init(): Promise<void> {
    if ((await this.checkpoints.get(NAME)) === 0n) await this.checkpoints.set(NAME, await this.log.headPosition());
  }

  /** Applies what is new; resolves with the number of attribute events read. */
  async runOnce(): Promise<number> {
    // Read the head first: when nothing matches, the checkpoint moves to it and skips nothing.
    const head = await this.log.headPosition();
    const after = await this.checkpoints.get(NAME);
    if (after >= head) return 0;
    const events = await this.log.readAll({ after, limit: BATCH, streamPrefixes: [USER_ATTRIBUTE_STREAM_PREFIX] });
    const last = events.at(-1);
    if (last === undefined) {
      // A quiet filter must not rescan the same stretch of the log at every poll.
      await this.checkpoints.set(NAME, head);
      return 0;
    }
    // Decide on read models that include these events.
    await this.deps.commands.consistency.waitFor(last.position);
    for (const [key, users] of touched(events)) {
      const [applicationId = '', definitionId = '', companyId = ''] = key.split('\u0000');
      for (const group of await this.deps.groups.conditional(applicationId, definitionId)) {
        await reevaluateUsers(this.deps, context(applicationId, companyId, last.position, group.group_id), group, [...users]);
      }
    }
    await this.checkpoints.set(NAME, last.position);
    return events.length;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

}

function touched(events: StoredEvent[]): Map<string, Set<string>> {
  const byDefinition = new Map<string, Set<string>>();
  for (const event of events) {
    const { application_id, definition_id, user_id } = event.data as { application_id: string; definition_id: string; user_id: string };
    const key = `${application_id}\u0000${definition_id}\u0000${event.metadata.company_id}`;
    const users = byDefinition.get(key) ?? new Set<string>();
    users.add(user_id);
    byDefinition.set(key, users);
  }
  return byDefinition;
}

function context(applicationId: string, companyId: string, position: bigint, groupId: string): CommandContext {
  return {
    name: 'reevaluateGroupConditions',
    commandId: `conditions:${position.toString()}:${groupId}`,
    metadata: {
      company_id: companyId,
      application_id: applicationId,
      actor: { type: 'system', id: 'group-conditions' },
      correlation_id: `conditions-${position.toString()}`,
    },
  };
}
