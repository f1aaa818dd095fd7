import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../commands/commandRunner.js';
import type { Actor } from '../events/envelope.js';

/** Who is acting and on whose behalf, taken from the authenticated request. */
export function commandContext(req: Request, name: string, actor: Actor): CommandContext {
  const { company_id, application_id } = req.params as { company_id: string; application_id?: string };
  const requestId = String(req.id);
  const correlation = req.headers['x-correlation-id'];
  return {
    name,
    // Never the client's x-request-id: event ids derive from it, and a reused one would make a
    // second, different write look like a retry of the first.
    commandId: randomUUID(),
    metadata: {
      company_id,
      ...(application_id === undefined ? {} : { application_id }),
      actor,
      correlation_id: typeof correlation === 'string' && correlation.length <= 128 ? correlation : requestId,
      causation_id: requestId,
    },
  };
}

export function platformActor(req: Request): Actor {
  if (req.platform === undefined) throw new Error('platform route without platform authentication');
  return { type: 'platform_client', id: req.platform.client_id };
}
