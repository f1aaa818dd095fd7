/**
 * `unavailable`: a service this one depends on (an identity provider) did not answer; worth
 * retrying. `not_implemented`: a call of the contract this service does not offer yet; not worth
 * retrying.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'not_implemented';

export interface FieldError {
  field: string;
  message: string;
}

/** An error the caller can act on; the API maps its kind to a 4xx status. */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (field: string, message: string): DomainError =>
  new DomainError('validation', 'invalid_input', `${field}: ${message}`, [{ field, message }]);
export const notFound = (what: string, field?: string): DomainError =>
  new DomainError('not_found', 'not_found', `${field === undefined ? '' : `${field}: `}${what} not found`,
    field === undefined ? [] : [{ field, message: `${what} not found` }]);
export const conflict = (code: string, message: string, field?: string): DomainError =>
  new DomainError('conflict', code, message, field === undefined ? [] : [{ field, message }]);
