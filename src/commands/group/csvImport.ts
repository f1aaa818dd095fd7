import { parse } from 'csv-parse';
import { groupImportStream, type GroupEvent, type RejectedRow } from '../../events/groupEvents.js';
import { normalizeValue } from '../../projections/customers/customerFilter.js';
import type { UserKey } from '../../projections/readStore.js';
import { runCommand, type CommandContext } from '../commandRunner.js';
import { openFile } from './fileFetch.js';
import { GroupJobFailure, jobContext, type GroupJobDeps, type GroupJobPayload } from './groupJob.js';

/** Columns that name a user, in the order a row's first non-empty one is taken. */
const KEY_COLUMNS: Array<{ column: string; key: UserKey }> = [
  { column: 'user_id', key: 'user_id' },
  { column: 'email', key: 'email' },
  { column: 'phone_number', key: 'phone' },
];
const MAX_ROW_BYTES = 64 * 1024;

interface Row {
  row: number;
  record: Record<string, string | undefined>;
}

interface Progress {
  revision: number | 'no_stream';
  rowsThrough: number;
  errorCount: number;
}

/** Where an earlier run of this job stopped: its last batch says how many rows it had read. */
async function resumePoint(deps: GroupJobDeps, jobId: string): Promise<Progress> {
  const done = await deps.commands.store.readStream(groupImportStream(jobId));
  let errorCount = 0;
  let rowsThrough = 0;
  for (const event of done) {
    const data = event.data as { rejected?: unknown[]; rows_through?: number };
    errorCount += data.rejected?.length ?? 0;
    rowsThrough = data.rows_through ?? rowsThrough;
  }
  return { revision: done.at(-1)?.revision ?? 'no_stream', rowsThrough, errorCount };
}

function checkHeader(header: string[]): string[] {
  const columns = header.map((h) => h.trim().toLowerCase());
  if (!columns.includes('action')) throw new GroupJobFailure('the file has no "action" column');
  if (!KEY_COLUMNS.some((k) => columns.includes(k.column))) throw new GroupJobFailure('the file has none of the columns user_id, email, phone_number');
  return columns;
}

/** One batch of rows as one event: the members it adds and removes, the rows it rejects, and how far it got. */
async function planBatch(deps: GroupJobDeps, payload: GroupJobPayload, rows: Row[]): Promise<GroupEvent> {
  const rejected: RejectedRow[] = [];
  const wanted: Array<{ row: Row; key: UserKey; column: string; value: string; add: boolean }> = [];
  for (const row of rows) {
    const action = (row.record.action ?? '').trim().toLowerCase();
    const named = KEY_COLUMNS.map((k) => ({ ...k, raw: (row.record[k.column] ?? '').trim() })).find((k) => k.raw !== '');
    if (action !== 'add' && action !== 'remove') {
      rejected.push({ row: row.row, column: 'action', value: action.slice(0, 64), reason: 'action must be add or remove' });
    } else if (named === undefined) {
      rejected.push({ row: row.row, column: KEY_COLUMNS.map((k) => k.column).join('|'), value: '', reason: 'the row names no user' });
    } else {
      const value = named.key === 'user_id' ? named.raw : normalizeValue(named.key, named.raw);
      wanted.push({ row, key: named.key, column: named.column, value, add: action === 'add' });
    }
  }
  const found = new Map<UserKey, Map<string, string>>();
  for (const { key } of KEY_COLUMNS) {
    const values = [...new Set(wanted.filter((w) => w.key === key).map((w) => w.value))];
    if (values.length > 0) found.set(key, await deps.customers.findUserIds(payload.application_id, key, values));
  }
  // The last row about a user in the batch decides; rows are read in file order.
  const decided = new Map<string, boolean>();
  for (const w of wanted) {
    const userId = found.get(w.key)?.get(w.value);
    if (userId === undefined) rejected.push({ row: w.row.row, column: w.column, value: w.value.slice(0, 320), reason: 'no such user' });
    else decided.set(userId, w.add);
  }
  const members = await deps.groups.membersAmong(payload.application_id, payload.group_id, [...decided.keys()]);
  const added = [...decided].filter(([id, add]) => add && !members.has(id)).map(([id]) => id);
  const removed = [...decided].filter(([id, add]) => !add && members.has(id)).map(([id]) => id);
  rejected.sort((a, b) => a.row - b.row);
  const last = rows.at(-1)?.row ?? 0;
  return {
    type: 'UserGroupMembersChanged',
    data: {
      group_id: payload.group_id,
      application_id: payload.application_id,
      source: { type: 'csv', job_id: payload.job_id },
      added,
      removed,
      ...(rejected.length === 0 ? {} : { rejected }),
      rows_through: last,
    },
  };
}

/** Appends at the revision this run last wrote: another run of the same job writing meanwhile stops this one. */
async function appendBatch(deps: GroupJobDeps, context: CommandContext, jobId: string, progress: Progress, event: GroupEvent): Promise<void> {
  let tried = false;
  await runCommand(deps.commands, context, async () => {
    if (tried) throw new Error('another run of this import wrote to it meanwhile; this run stops and the job resumes');
    tried = true;
    return { appends: [{ stream: groupImportStream(jobId), expectedRevision: progress.revision, events: [event] }], result: undefined };
  });
  progress.revision = progress.revision === 'no_stream' ? 0 : progress.revision + 1;
}

/**
 * Streams the CSV row by row (never the whole file in memory) and appends the members batch by
 * batch, each batch recording the rows read so far. A resumed run reads the file again from the
 * start, skips those rows, and so adds nobody twice.
 */
export async function importCsv(deps: GroupJobDeps, payload: GroupJobPayload): Promise<{ rows: number; error_count: number }> {
  if (payload.file_url === undefined) throw new GroupJobFailure('the import has no file_url');
  const progress = await resumePoint(deps, payload.job_id);
  const file = await openFile(payload.file_url, deps.limits);
  const parser = file.pipe(
    parse({ columns: checkHeader, bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_ROW_BYTES }),
  );
  file.on('error', (error) => parser.destroy(error));
  let rowNumber = 0;
  let batch: Row[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const event = await planBatch(deps, payload, batch);
    const rejectedCount = event.type === 'UserGroupMembersChanged' ? (event.data.rejected?.length ?? 0) : 0;
    await appendBatch(deps, jobContext(payload, 'importGroupMembers', `batch-${batch[0]?.row ?? 0}`), payload.job_id, progress, event);
    progress.errorCount += rejectedCount;
    progress.rowsThrough = batch.at(-1)?.row ?? progress.rowsThrough;
    batch = [];
  };
  try {
    for await (const record of parser as AsyncIterable<Record<string, string | undefined>>) {
      rowNumber += 1;
      if (rowNumber <= progress.rowsThrough) continue;
      batch.push({ row: rowNumber, record });
      if (batch.length >= deps.batchSize) await flush();
    }
  } catch (error) {
    if (error instanceof GroupJobFailure || (error as { permanent?: unknown }).permanent !== undefined) throw error;
    const code = (error as { code?: unknown }).code;
    // csv-parse's messages can quote the file; the reason is published, so it names only the code and line.
    const line = (error as { lines?: unknown }).lines;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new GroupJobFailure(`the file is not valid CSV (${code}${typeof line === 'number' ? ` at line ${line}` : ''})`);
    throw error;
  }
  await flush();
  return { rows: rowNumber, error_count: progress.errorCount };
}
