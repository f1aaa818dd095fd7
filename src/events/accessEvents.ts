import { z } from 'zod';

export const accessEventSchemas = {
  PlatformClientRegistered: z.object({
    client_id: z.string(),
    company_id: z.string(),
    secret_hash: z.string(),
    name: z.string().optional(),
  }),
  PlatformClientSecretRotated: z.object({ client_id: z.string(), company_id: z.string(), secret_hash: z.string() }),
  ApplicationRegistered: z.object({
    application_id: z.string(),
    company_id: z.string(),
    token_hash: z.string(),
    name: z.string().optional(),
  }),
  ApplicationTokenRotated: z.object({ application_id: z.string(), company_id: z.string(), token_hash: z.string() }),
} as const;

type Schemas = typeof accessEventSchemas;
export type AccessEvent = {
  [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> };
}[keyof Schemas];

export const platformClientStream = (clientId: string): string => `platformClient-${clientId}`;
export const applicationStream = (applicationId: string): string => `application-${applicationId}`;
export const ACCESS_STREAM_PREFIXES = ['platformClient-', 'application-'];
