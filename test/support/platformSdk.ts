import fdk from '@gofynd/fdk-client-javascript';
import { APP, CLIENT, COMPANY, type TestService } from './testService.js';

const { PlatformClient, PlatformConfig } = fdk;
export type SdkPlatformClient = InstanceType<typeof PlatformClient>;
export type SdkUserClient = ReturnType<SdkPlatformClient['application']>['user'];

// The SDK's typings mark refresh_token and code as required; the client_credentials grant sends neither.
const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', refresh_token: undefined, code: undefined };

/**
 * The official SDK 1.4.13 as a back office configures it, with strictResponseCheck: every reply
 * is checked against the SDK's own Joi model and a mismatch rejects the call.
 */
export async function platformUserClient(ts: TestService, application = APP, client = CLIENT, companyId = COMPANY): Promise<SdkUserClient> {
  const config = new PlatformConfig(
    { companyId, apiKey: client.id, apiSecret: client.secret, domain: ts.baseUrl, useAutoRenewTimer: false },
    { strictResponseCheck: true },
  );
  // 'SILENT' is a loglevel level the SDK passes through, though its typings list only TRACE..ERROR.
  config.setLogLevel('SILENT' as 'ERROR');
  config.oauthClient.setToken(await config.oauthClient.getAccesstokenObj(CLIENT_CREDENTIALS));
  return new PlatformClient(config).application(application).user;
}

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
