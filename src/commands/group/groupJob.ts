import { z } from 'zod';
import type { AttributeDefinitionsReadModel, UserAttributesReadModel } from '../../projections/attributes/attributeReadModels.js';
import type { GroupsReadModel } from '../../projections/groups/groupView.js';
import type { CustomersReadModel } from '../../projections/readStore.js';
import type { CommandContext, CommandDeps } from '../commandRunner.js';
import type { FetchLimits } from './fileFetch.js';

export interface GroupJobDeps {
  commands: CommandDeps;
  groups: GroupsReadModel;
  customers: CustomersReadModel;
  definitions: AttributeDefinitionsReadModel;
  values: UserAttributesReadModel;
  limits: FetchLimits;
  /** Rows per appended batch of a CSV import. */
  batchSize: number;
  /** Days a CSV import's report of rejected rows is kept (GROUP_IMPORT_REPORT_DAYS); 0: until forgotten by hand. */
  reportDays: number;
}

export const groupJobPayload = z.object({
  group_id: z.string(),
  application_id: z.string(),
  company_id: z.string(),
  job_id: z.string(),
  kind: z.enum(['csv', 'condition']),
  file_url: z.string().optional(),
  actor: z.object({ type: z.enum(['platform_client', 'user', 'system']), id: z.string() }),
});
export type GroupJobPayload = z.infer<typeof groupJobPayload>;

/** Events of a job carry the actor who asked for it; their ids derive from the job, so a rerun writes the same ones. */
export function jobContext(payload: GroupJobPayload, name: string, step: string): CommandContext {
  return {
    name,
    commandId: `${payload.job_id}:${step}`,
    metadata: {
      company_id: payload.company_id,
      application_id: payload.application_id,
      actor: payload.actor,
      correlation_id: payload.job_id,
      causation_id: payload.job_id,
    },
  };
}

/** Why a job failed without hope of a retry: the message is for the merchant, never file content. */
export class GroupJobFailure extends Error {
  override readonly name = 'GroupJobFailure';
}
