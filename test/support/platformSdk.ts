import fdk from '@gofynd/fdk-client-javascript';
import fdkV3 from 'fdk-client-v3';
import { APP, CLIENT, COMPANY, type TestService } from './testService.js';

const { PlatformClient, PlatformConfig } = fdk;
export type SdkPlatformClient = InstanceType<typeof PlatformClient>;
export type SdkUserClient = ReturnType<SdkPlatformClient['application']>['user'];
export type SdkV3UserClient = ReturnType<InstanceType<typeof fdkV3.PlatformClient>['application']>['user'];

// The SDK's typings mark refresh_token and code as required; the client_credentials grant sends neither.
const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', refresh_token: undefined, code: undefined };

/** What both SDK versions' platform configs offer for signing in. */
interface SignInConfig {
  setLogLevel(level: 'ERROR'): void;
  oauthClient: { setToken(token: unknown): void; getAccesstokenObj(grant: typeof CLIENT_CREDENTIALS): Promise<unknown> };
}

const settings = (ts: TestService, client: typeof CLIENT, companyId: string) =>
  ({ companyId, apiKey: client.id, apiSecret: client.secret, domain: ts.baseUrl, useAutoRenewTimer: false }) as const;

/** Quiet, and holding a token of the client-credentials grant. */
async function signIn(config: SignInConfig): Promise<void> {
  // 'SILENT' is a loglevel level the SDK passes through, though its typings list only TRACE..ERROR.
  config.setLogLevel('SILENT' as 'ERROR');
  config.oauthClient.setToken(await config.oauthClient.getAccesstokenObj(CLIENT_CREDENTIALS));
}

/**
 * The official SDK 1.4.13 as a back office configures it, with strictResponseCheck: every reply
 * is checked against the SDK's own Joi model and a mismatch rejects the call.
 */
export async function platformUserClient(ts: TestService, application = APP, client = CLIENT, companyId = COMPANY): Promise<SdkUserClient> {
  const config = new PlatformConfig(settings(ts, client, companyId), { strictResponseCheck: true });
  await signIn(config);
  return new PlatformClient(config).application(application).user;
}

/** The same back office on SDK 3.4.2, whose models are newer, with its calls beyond the seed's. */
export async function platformUserClientV3(ts: TestService, application = APP, client = CLIENT, companyId = COMPANY): Promise<SdkV3UserClient> {
  const config = new fdkV3.PlatformConfig(settings(ts, client, companyId), { strictResponseCheck: true });
  await signIn(config);
  // The options belong to the config already given; 3.4's typings still ask for them here.
  return new fdkV3.PlatformClient(config, undefined).application(application).user;
}

/**
 * Both SDK versions, for suites that run every seed method through each: 3.4.2 keeps the seed's
 * method names and parameters, so its client is used through 1.4.13's type for those methods.
 */
export const PLATFORM_SDKS = [
  { sdk: '1.4.13', connect: platformUserClient },
  { sdk: '3.4.2', connect: async (ts: TestService): Promise<SdkUserClient> => (await platformUserClientV3(ts)) as unknown as SdkUserClient },
];

/** The HTTP status of a rejected SDK call (the SDK puts it in `code`). */
export async function sdkStatus(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code?: unknown };
    return { code: e.code, message: e.message };
  }
  throw new Error('expected the SDK call to fail');
}
