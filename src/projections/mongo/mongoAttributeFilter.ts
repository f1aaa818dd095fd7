import type { Document, Filter } from 'mongodb';
import { escapeRegex, type AttributeCondition, type AttributeUserQuery } from '../attributes/attributeFilter.js';

/** One filterable element of a user's value: definition, and its number, text or lower-cased text. */
export interface FilterElement {
  d: string;
  n?: number;
  t?: string;
  f?: string;
}

/**
 * A user's filterable values in one document: one multikey index on (application, definition,
 * value) answers every condition, and AND / OR of conditions is one query with a count.
 */
export interface AttributeFilterDoc {
  _id: string;
  application_id: string;
  user_id: string;
  attrs: FilterElement[];
}

function element(condition: AttributeCondition): Document {
  const d = condition.definition_id;
  const { match } = condition;
  switch (match.op) {
    case 'eq':
      return { d, [match.column === 'num' ? 'n' : 't']: match.value };
    case 'in':
      return { d, [match.column === 'num' ? 'n' : 't']: { $in: match.values } };
    case 'range': {
      const range: Document = {};
      if (match.min !== undefined) range[match.min.inclusive ? '$gte' : '$gt'] = match.min.value;
      if (match.max !== undefined) range[match.max.inclusive ? '$lte' : '$lt'] = match.max.value;
      return { d, n: range };
    }
    case 'contains':
      return { d, f: { $regex: escapeRegex(match.text) } };
    case 'starts':
      return { d, f: { $regex: `^${escapeRegex(match.text)}` } };
    case 'ends':
      return { d, f: { $regex: `${escapeRegex(match.text)}$` } };
  }
}

/** Negated: the user has the definition, and no element of it matches (as the embedded store does). */
function condition(c: AttributeCondition): Document {
  const match = { $elemMatch: element(c) };
  if (!c.negate) return { attrs: match };
  return { $and: [{ 'attrs.d': c.definition_id }, { attrs: { $not: match } }] };
}

export function attributeQueryToMongo(query: AttributeUserQuery): Filter<AttributeFilterDoc> {
  const parts = query.conditions.map(condition);
  const filter: Document = { application_id: query.application_id };
  if (parts.length === 1 && parts[0] !== undefined) Object.assign(filter, { $and: parts });
  else filter[query.combine === 'and' ? '$and' : '$or'] = parts;
  if (query.user_ids !== undefined) filter.user_id = { $in: query.user_ids };
  return filter as Filter<AttributeFilterDoc>;
}
