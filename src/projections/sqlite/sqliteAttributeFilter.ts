import { escapeLike, type AttributeCondition, type AttributeUserQuery, type Bound } from '../attributes/attributeFilter.js';

export type Param = string | number;

/** `unindexed`: the value column is written `+value_…`, which keeps SQLite from reading by value. */
function predicate(condition: AttributeCondition, params: Param[], unindexed = false): string {
  const { match } = condition;
  const plus = unindexed ? '+' : '';
  const column = (c: 'num' | 'text') => `${plus}${c === 'num' ? 'value_num' : 'value_text'}`;
  switch (match.op) {
    case 'eq':
      params.push(match.value);
      return `${column(match.column)} = ?`;
    case 'in':
      params.push(...match.values);
      return `${column(match.column)} IN (${match.values.map(() => '?').join(', ')})`;
    case 'range': {
      const parts: string[] = [];
      const bound = (b: Bound | undefined, greater: boolean) => {
        if (b === undefined) return;
        params.push(b.value);
        parts.push(`${plus}value_num ${greater ? '>' : '<'}${b.inclusive ? '=' : ''} ?`);
      };
      bound(match.min, true);
      bound(match.max, false);
      return parts.join(' AND ');
    }
    case 'contains':
    case 'starts':
    case 'ends': {
      const text = escapeLike(match.text);
      params.push(match.op === 'starts' ? `${text}%` : match.op === 'ends' ? `%${text}` : `%${text}%`);
      return `value_fold LIKE ? ESCAPE '\\'`;
    }
  }
}

/**
 * The users one condition matches, as a SELECT over the value table. Equality, lists and ranges
 * are index ranges on (application, definition, value); text matching scans the definition's
 * rows only. A negated condition is the definition's users minus the positive match.
 */
function conditionSql(condition: AttributeCondition, table: string, applicationId: string, params: Param[]): string {
  const scope = 'application_id = ? AND definition_id = ?';
  const positive = (into: Param[]) => {
    into.push(applicationId, condition.definition_id);
    const where = predicate(condition, into);
    // Elements are stored once per user, so only a match that several elements can meet needs DISTINCT.
    const distinct = condition.multi && condition.match.op !== 'eq' ? 'DISTINCT ' : '';
    return `SELECT ${distinct}user_id FROM ${table} WHERE ${scope} AND ${where}`;
  };
  if (!condition.negate) return positive(params);
  if (!condition.multi) {
    // One element per user: "no element matches" is "the element does not match", no set difference needed.
    params.push(applicationId, condition.definition_id);
    return `SELECT user_id FROM ${table} WHERE ${scope} AND NOT (${predicate(condition, params)})`;
  }
  params.push(applicationId, condition.definition_id);
  const everyone = `SELECT user_id FROM ${table} WHERE ${scope}`;
  return `SELECT user_id FROM (${everyone} EXCEPT ${positive(params)})`;
}

/** A SELECT of the matching user ids (each once) and its parameters; the SQL text depends only on the query's shape. */
export function attributeFilterSql(query: AttributeUserQuery, table: string): { sql: string; params: Param[] } {
  const params: Param[] = [];
  const parts = query.conditions.map((c) => conditionSql(c, table, query.application_id, params));
  const joiner = query.combine === 'and' ? ' INTERSECT ' : ' UNION ';
  let sql = parts.length === 1 ? (parts[0] ?? '') : `SELECT user_id FROM (${parts.join(joiner)})`;
  if (query.user_ids !== undefined) {
    sql = `SELECT user_id FROM (${sql}) WHERE user_id IN (${query.user_ids.map(() => '?').join(', ') || 'NULL'})`;
    params.push(...query.user_ids);
  }
  return { sql, params };
}

/**
 * One page of a lone condition that many users match, read in user-id order along the primary
 * key and tested row by row: it stops after the page instead of sorting every match. Negated only
 * for single-value definitions (one row per user), where "no element matches" is a row test.
 */
export function userOrderPageSql(condition: AttributeCondition, table: string, applicationId: string): { sql: string; params: Param[] } {
  const params: Param[] = [applicationId, condition.definition_id];
  const tested = predicate(condition, params, true);
  const where = condition.negate ? `NOT (${tested})` : tested;
  const sql = `SELECT ${condition.multi ? 'DISTINCT ' : ''}user_id FROM ${table} WHERE application_id = ? AND definition_id = ? AND ${where} ORDER BY user_id LIMIT ? OFFSET ?`;
  return { sql, params };
}
