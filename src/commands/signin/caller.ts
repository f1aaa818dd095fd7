import type { CommandContext } from '../commandRunner.js';

/** Who is calling from a storefront: the sales channel, the client's address, and how to stamp events. */
export interface StorefrontCaller {
  application_id: string;
  company_id: string;
  ip: string;
  user_agent: string;
  domain: string;
  /** The actor is the user once known, the sales channel before. */
  context(name: string, userId?: string): CommandContext;
}
