import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { StorefrontCaller } from '../../commands/signin/caller.js';
import type { Actor } from '../../events/envelope.js';

/** The storefront request as the sign-in commands see it. */
export function storefrontCaller(req: Request): StorefrontCaller {
  const principal = req.storefront;
  if (principal === undefined) throw new Error('storefront route without application authentication');
  const requestId = String(req.id);
  const correlation = req.headers['x-correlation-id'];
  return {
    application_id: principal.application_id,
    company_id: principal.company_id,
    ip: req.ip ?? '',
    user_agent: req.get('user-agent') ?? '',
    domain: req.hostname,
    context(name, userId) {
      const actor: Actor = userId === undefined ? { type: 'system', id: `storefront:${principal.application_id}` } : { type: 'user', id: userId };
      return {
        name,
        commandId: randomUUID(),
        metadata: {
          company_id: principal.company_id,
          application_id: principal.application_id,
          actor,
          correlation_id: typeof correlation === 'string' && correlation.length <= 128 ? correlation : requestId,
          causation_id: requestId,
        },
      };
    },
  };
}
