import { userStream, type CustomerEvent } from '../../events/customerEvents.js';
import { identifierStream, type IdentifierEvent } from '../../events/identifierEvents.js';
import { DomainError, notFound } from '../../shared/errors.js';
import { decideIdentifier, evolveIdentifier, initialIdentifierState } from '../identifier/decider.js';
import { loadStream, runCommand, type CommandContext, type CommandDeps, type PlannedAppend } from '../commandRunner.js';
import {
  decideCustomer,
  evolveCustomer,
  identifiersOf,
  initialCustomerState,
  type CustomerCommand,
  type CustomerProfile,
  type CustomerState,
  type Identifier,
} from './decider.js';

/** A claim older than this whose holder does not use the identifier is a leftover of a crash. */
const STALE_CLAIM_MS = 60_000;

export type PresentCustomer = Extract<CustomerState, { status: 'present' }>;

export const loadCustomer = (deps: CommandDeps, userId: string) =>
  loadStream<CustomerState, CustomerEvent>(deps.store, userStream(userId), evolveCustomer, initialCustomerState);

/** What a command about something else needs of a customer: whether it exists, in which sales channel, archived or not. */
export type CustomerStanding = { status: 'absent' } | { status: 'present'; application_id: string; archived: boolean };

function evolveStanding(state: CustomerStanding, event: CustomerEvent): CustomerStanding {
  if (event.type === 'UserCreated') return { status: 'present', application_id: event.data.application_id, archived: false };
  if (state.status === 'absent') return state;
  if (event.type === 'UserArchived') return { ...state, archived: true };
  if (event.type === 'UserRestored') return { ...state, archived: false };
  return state;
}

/**
 * The customer's standing from the stream read sealed: no personal field is looked at, so no key
 * is fetched and nothing decrypted (opening the whole stream to check it was about a seventh of an upsert).
 */
export const loadCustomerStanding = (deps: CommandDeps, userId: string) =>
  loadStream<CustomerStanding, CustomerEvent>(deps.store, userStream(userId), evolveStanding, () => ({ status: 'absent' }), { personalData: 'sealed' });

export function applicationOf(context: CommandContext): string {
  const applicationId = context.metadata.application_id;
  if (applicationId === undefined) throw new Error('customer commands need an application scope');
  return applicationId;
}

interface UserPlan {
  before: CustomerState;
  after: CustomerState;
  /** Claims go first and releases last: on a store without multi-stream transactions a crash
   * in between leaves an extra claim (recoverable), never an identifier used twice. */
  appends: PlannedAppend[];
}

export async function planForUser(
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  /** Several commands are decided in turn, each against the state the ones before it left, and appended together. */
  command: CustomerCommand | readonly CustomerCommand[],
): Promise<UserPlan> {
  const loaded = await loadCustomer(deps, userId);
  // A user of another application is, to this caller, a user that does not exist.
  if (loaded.state.status === 'present' && loaded.state.profile.application_id !== applicationOf(context)) {
    throw notFound('user');
  }
  const events: CustomerEvent[] = [];
  let after = loaded.state;
  for (const each of Array.isArray(command) ? command : [command]) {
    const decided = decideCustomer(each, after);
    after = decided.reduce(evolveCustomer, after);
    events.push(...decided);
  }
  const key = (i: Identifier) => `${i.kind}:${i.value}`;
  const before = identifiersOf(loaded.state);
  const next = identifiersOf(after);
  const beforeKeys = new Set(before.map(key));
  const nextKeys = new Set(next.map(key));
  const claims = await Promise.all(
    next.filter((i) => !beforeKeys.has(key(i))).map((i) => planIdentifier(deps, context, userId, i, 'claim')),
  );
  const releases = await Promise.all(
    before.filter((i) => !nextKeys.has(key(i))).map((i) => planIdentifier(deps, context, userId, i, 'release')),
  );
  const userAppend = { stream: userStream(userId), expectedRevision: loaded.revision, events };
  return { before: loaded.state, after, appends: [...claims, userAppend, ...releases] };
}

async function planIdentifier(
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  identifier: Identifier,
  action: 'claim' | 'release',
): Promise<PlannedAppend> {
  const applicationId = applicationOf(context);
  const stream = identifierStream(applicationId, identifier.kind, identifier.value);
  const loaded = await loadStream<ReturnType<typeof initialIdentifierState>, IdentifierEvent>(
    deps.store,
    stream,
    evolveIdentifier,
    initialIdentifierState,
  );
  const base = { application_id: applicationId, kind: identifier.kind, user_id: userId };
  const events =
    action === 'release'
      ? decideIdentifier({ type: 'ReleaseIdentifier', ...base }, loaded.state)
      : decideIdentifier(
          {
            type: 'ClaimIdentifier',
            ...base,
            now: deps.clock.now().toISOString(),
            staleHolder: await isStaleClaim(deps, loaded.state, identifier),
          },
          loaded.state,
        );
  return { stream, expectedRevision: loaded.revision, events };
}

async function isStaleClaim(
  deps: CommandDeps,
  state: ReturnType<typeof initialIdentifierState>,
  identifier: Identifier,
): Promise<boolean> {
  if (state.holder === null) return false;
  if (deps.clock.now().getTime() - new Date(state.since).getTime() < STALE_CLAIM_MS) return false;
  const holder = await loadCustomer(deps, state.holder);
  return !identifiersOf(holder.state).some((i) => i.kind === identifier.kind && i.value === identifier.value);
}

export function present(state: CustomerState): PresentCustomer {
  if (state.status !== 'present') throw new Error('customer state expected to be present after a successful command');
  return state;
}

/** One customer command: plan against that customer's stream, append, and return its new state. */
export function runCustomerCommand(
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  command: CustomerCommand | readonly CustomerCommand[],
): Promise<PresentCustomer> {
  return runCommand(deps, context, async () => {
    const { after, appends } = await planForUser(deps, context, userId, command);
    return { appends, result: present(after) };
  });
}

export const createCustomer = (deps: CommandDeps, context: CommandContext, profile: CustomerProfile) =>
  runCustomerCommand(deps, context, profile.user_id, { type: 'CreateCustomer', data: profile });

export const updateCustomer = (
  deps: CommandDeps,
  context: CommandContext,
  userId: string,
  changes: Extract<CustomerCommand, { type: 'UpdateCustomer' }>['data'],
) => runCustomerCommand(deps, context, userId, { type: 'UpdateCustomer', data: changes });

export const archiveCustomer = (deps: CommandDeps, context: CommandContext, userId: string, reason: { reason?: string; reason_id?: string }) =>
  runCustomerCommand(deps, context, userId, { type: 'ArchiveCustomer', data: reason });

export const restoreCustomer = (deps: CommandDeps, context: CommandContext, userId: string, reason: { reason: string; reason_id?: string }) =>
  runCustomerCommand(deps, context, userId, { type: 'RestoreCustomer', data: reason });

/** Blocks (active=false) or unblocks every listed user, or none of them. */
export async function setCustomersActive(
  deps: CommandDeps,
  context: CommandContext,
  userIds: string[],
  active: boolean,
  reason: { reason: string; reason_id?: string },
): Promise<void> {
  const unique = [...new Set(userIds)];
  await runCommand(deps, context, async () => {
    const plans = await Promise.all(
      unique.map(async (userId, index) => {
        try {
          return await planForUser(deps, context, userId, {
            type: active ? 'UnblockCustomer' : 'BlockCustomer',
            data: reason,
          });
        } catch (error) {
          if (error instanceof DomainError && error.kind === 'not_found') {
            throw notFound(`user ${userId}`, `user_id[${index}]`);
          }
          throw error;
        }
      }),
    );
    return { appends: plans.flatMap((p) => p.appends), result: undefined };
  });
}
