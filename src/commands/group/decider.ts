import type { GroupEvent, GroupFields } from '../../events/groupEvents.js';
import { conflict, invalid, notFound } from '../../shared/errors.js';

export type GroupState =
  | { status: 'absent' }
  | {
      status: 'present';
      group_id: string;
      application_id: string;
      uid: number;
      group: GroupFields;
      /** The job whose progress the group shows; older jobs still finish, but no longer move it. */
      current_job: string | null;
      running: boolean;
    };

export type GroupChanges = Partial<GroupFields>;

export type GroupCommand =
  | { type: 'CreateGroup'; group_id: string; application_id: string; company_id: string; uid: number; group: GroupFields }
  | { type: 'UpdateGroup'; changes: GroupChanges }
  | { type: 'QueueJob'; job_id: string; kind: 'csv' | 'condition'; file_url?: string }
  | { type: 'StartJob'; job_id: string }
  | { type: 'FinishJob'; job_id: string; outcome: 'completed' | 'failed'; rows: number; error_count: number; reason?: string }
  | { type: 'ForgetImportReport'; job_id: string; reason: string }
  /** Checked only: the members themselves go to the members stream (see handlers). */
  | { type: 'ChangeMembersByList' };

export const initialGroupState = (): GroupState => ({ status: 'absent' });

export function evolveGroup(state: GroupState, event: GroupEvent): GroupState {
  switch (event.type) {
    case 'UserGroupCreated': {
      const { group_id, application_id, uid, group } = event.data;
      return { status: 'present', group_id, application_id, uid, group, current_job: null, running: false };
    }
    case 'UserGroupUpdated':
      return state.status === 'present' ? { ...state, group: event.data.group } : state;
    case 'UserGroupJobQueued':
      return state.status === 'present' ? { ...state, current_job: event.data.job_id, running: false } : state;
    case 'UserGroupJobStarted':
      return state.status === 'present' && state.current_job === event.data.job_id ? { ...state, running: true } : state;
    case 'UserGroupJobFinished':
      return state.status === 'present' && state.current_job === event.data.job_id ? { ...state, running: false } : state;
    default:
      return state;
  }
}

function checkFields(group: GroupFields): void {
  if (group.name.trim().length === 0) throw invalid('body.name', 'must not be empty');
  if (group.type === 'conditional' && group.conditions.length === 0) {
    throw invalid('body.conditions', 'a conditional group needs at least one condition');
  }
  if (group.type === 'bulk' && group.conditions.length > 0) throw invalid('body.conditions', 'only conditional groups have conditions');
  if (group.type === 'conditional' && group.file_url !== '') throw invalid('body.file_url', 'a conditional group takes its members from its conditions');
}

function changedKeys(before: GroupFields, after: GroupFields): string[] {
  return (Object.keys(after) as Array<keyof GroupFields>).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

export function decideGroup(command: GroupCommand, state: GroupState): GroupEvent[] {
  if (command.type === 'CreateGroup') {
    if (state.status !== 'absent') throw conflict('group_exists', `user group ${command.group_id} already exists`);
    checkFields(command.group);
    const { group_id, application_id, company_id, uid, group } = command;
    return [{ type: 'UserGroupCreated', data: { group_id, application_id, company_id, uid, group } }];
  }
  if (state.status !== 'present') throw notFound('user group');
  const { group_id, application_id } = state;
  switch (command.type) {
    case 'UpdateGroup': {
      const next: GroupFields = { ...state.group, ...Object.fromEntries(Object.entries(command.changes).filter(([, v]) => v !== undefined)) };
      if (next.type !== state.group.type) {
        throw invalid('body.type', `a ${state.group.type} group cannot become ${next.type}; create a new group instead`);
      }
      checkFields(next);
      const changed = changedKeys(state.group, next);
      return changed.length === 0 ? [] : [{ type: 'UserGroupUpdated', data: { group_id, application_id, group: next, changed } }];
    }
    case 'QueueJob': {
      if (command.kind === 'csv' && state.group.type !== 'bulk') {
        throw invalid('body.file_url', 'members of a conditional group come from its conditions, not from a file');
      }
      const fileUrl = command.file_url === undefined ? {} : { file_url: command.file_url };
      return [{ type: 'UserGroupJobQueued', data: { group_id, application_id, job_id: command.job_id, kind: command.kind, ...fileUrl } }];
    }
    case 'StartJob':
      return [{ type: 'UserGroupJobStarted', data: { group_id, application_id, job_id: command.job_id } }];
    case 'FinishJob': {
      const { job_id, outcome, rows, error_count, reason } = command;
      return [{ type: 'UserGroupJobFinished', data: { group_id, application_id, job_id, outcome, rows, error_count, ...(reason === undefined ? {} : { reason }) } }];
    }
    case 'ForgetImportReport':
      if (state.current_job === command.job_id && state.running) {
        throw conflict('import_running', `import ${command.job_id} is still running; forget its report once it has finished`);
      }
      return [{ type: 'UserGroupImportReportForgotten', data: { group_id, application_id, job_id: command.job_id, reason: command.reason } }];
    case 'ChangeMembersByList':
      if (state.group.type !== 'bulk') throw invalid('body.type', 'members of a conditional group come from its conditions');
      return [];
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}
