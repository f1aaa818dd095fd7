import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { DomainError, type ErrorKind, type FieldError } from '../shared/errors.js';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  not_implemented: 501,
};

/** Parses request input; every failure names its field (`body.user_id[0]`, `query.page_no`). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, location: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: [location, ...issue.path.map(String)].join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]'),
    message: issue.message,
  }));
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  throw new DomainError('validation', 'invalid_input', summary, errors);
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ success: false, code: 'route_not_found', message: `no route for ${req.method} ${req.path}` });
};

interface HttpParserError {
  type?: string;
  status?: number;
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (error instanceof DomainError) {
    const body: Record<string, unknown> = { success: false, code: error.code, message: error.message };
    if (error.errors.length > 0) body.errors = error.errors;
    res.status(STATUS[error.kind]).json(body);
    return;
  }
  const parserError = error as HttpParserError;
  if (parserError.type === 'entity.too.large') {
    res.status(413).json({ success: false, code: 'payload_too_large', message: 'request body is larger than 1 MiB' });
    return;
  }
  if (parserError.type === 'entity.parse.failed') {
    res.status(400).json({ success: false, code: 'invalid_json', message: 'body: is not valid JSON' });
    return;
  }
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    res.status(parserError.status).json({ success: false, code: 'bad_request', message: 'the request could not be read' });
    return;
  }
  req.log.error({ err: error, req_id: req.id }, 'unhandled error');
  res.status(500).json({ success: false, code: 'internal_error', message: 'internal error', request_id: req.id });
};
