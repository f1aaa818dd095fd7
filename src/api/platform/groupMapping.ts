import type { GroupView } from '../../projections/groups/groupView.js';

/** `reportUrl`: where the current job's rejected rows can be downloaded, when there are any. */
export function toGroupSchema(view: GroupView, reportUrl: (jobId: string) => string) {
  return {
    _id: view.group_id,
    uid: view.uid,
    name: view.name,
    description: view.description,
    type: view.type,
    status: view.status,
    is_active: true,
    conditions: view.conditions.map((c) => ({ user_attribute_definition_id: c.user_attribute_definition_id, type: c.type, value: c.value, key: c.key })),
    error: { count: view.error_count, file_url: view.error_job === null ? '' : reportUrl(view.error_job) },
    file_url: view.file_url,
    application_id: view.application_id,
    created_at: view.created_at,
    modified_at: view.modified_at,
    __v: view.version,
  };
}

const csvCell = (value: string | number): string => {
  const text = String(value);
  // A leading = + - @ would run as a formula when the report is opened in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function reportCsv(rows: Array<{ row: number; column: string; value: string; reason: string }>): string {
  const lines = ['row,column,value,reason', ...rows.map((r) => [r.row, r.column, r.value, r.reason].map(csvCell).join(','))];
  return `${lines.join('\n')}\n`;
}
