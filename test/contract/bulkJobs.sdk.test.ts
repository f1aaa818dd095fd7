/**
 * SDK 3.4.2's bulk import and export of customers are not built (README, "Not offered"): each of
 * its five calls gets a 501 that says so, through the SDK as a back office would make them, and
 * behind the same platform authentication as every other call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformUserClientV3, sdkStatus, type SdkV3UserClient } from '../support/platformSdk.js';
import { call, startTestService, type TestService } from '../support/testService.js';

describe('bulk customer jobs through the Fynd SDK 3.4.2: not offered, and saying so', () => {
  let ts: TestService;
  let v3: SdkV3UserClient;

  beforeAll(async () => {
    ts = await startTestService();
    v3 = await platformUserClientV3(ts);
  });
  afterAll(async () => ts.close());

  it('answers each of the five calls with 501 and what to use instead', async () => {
    const calls = [
      v3.bulkImportStoreFrontUsers({ body: { absolute_url: 'https://cdn.example.com/users.csv', relative_url: 'users.csv', file_format: 'csv' } }),
      v3.getBulkImportUsersList({}),
      v3.createBulkExportUsers({ body: { file_format: 'csv' } }),
      v3.getBulkExportUsersList({}),
      v3.getUsersJobByJobId({ jobId: '6551a1b2c3d4e5f600000001' }),
    ];
    for (const failure of await Promise.all(calls.map((c) => sdkStatus(c)))) {
      expect(failure.code).toBe(501);
      expect(failure.message).toContain('not offered by this service yet');
    }
  });

  it('still asks for a platform token first', async () => {
    const anonymous = await call('POST', `${ts.platformBase}/users/jobs/export`, undefined, { file_format: 'csv' });
    expect(anonymous.status).toBe(401);
  });
});
