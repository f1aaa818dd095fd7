/**
 * Customer groups through the official Fynd SDK 1.4.13 with `strictResponseCheck: true`: all
 * five group methods, so every reply that resolves also passes the SDK's own model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/testService.js';
import { PLATFORM_SDKS, sdkStatus, type SdkUserClient } from '../support/platformSdk.js';
import { eventually, startFileServer, type FileServer } from '../support/fileServer.js';

describe.each(PLATFORM_SDKS)('customer groups through the Fynd SDK $sdk (strictResponseCheck)', ({ connect }) => {
  let ts: TestService;
  let user: SdkUserClient;
  let files: FileServer;
  let userId: string;

  beforeAll(async () => {
    ts = await startTestService({ GROUP_IMPORT_ALLOWED_HOSTS: '127.0.0.1' }, { jobTuning: { pollMs: 5 } });
    user = await connect(ts);
    const created = await user.createUser({ body: { phone_number: '9812345671', email: 'group.sdk@example.com', first_name: 'Group', username: '' } });
    if (created.user?.user_id === undefined) throw new Error('createUser returned no user_id');
    userId = created.user.user_id;
    files = await startFileServer({ '/sdk.csv': `email,action\ngroup.sdk@example.com,add\nunknown@example.com,add\n` });
  });

  afterAll(async () => {
    await files.close();
    await ts.close();
  });

  it('creates, reads by _id and uid, lists with filters, updates and modifies groups', async () => {
    const created = await user.createUserGroup({ body: { name: 'SDK group', description: 'made by the SDK', type: 'bulk' } });
    expect(created).toMatchObject({ name: 'SDK group', type: 'bulk', status: 'completed', uid: expect.any(Number) });
    const id = created._id ?? '';
    expect(await user.getUserGroupById({ groupId: id })).toEqual(created);
    expect(await user.getUserGroupById({ groupId: String(created.uid) })).toEqual(created);

    const list = await user.getUserGroups({ pageNo: '1', pageSize: '5', name: 'sdk', type: 'bulk', status: 'completed', groupUid: created.uid });
    expect(list.items?.map((g) => g._id)).toEqual([id]);
    expect(list.page).toMatchObject({ current: 1, size: 5, item_total: 1, has_next: false });

    const updated = await user.updateUserGroup({ groupId: id, body: { name: 'SDK group renamed', description: 'changed' } });
    expect(updated).toMatchObject({ name: 'SDK group renamed', description: 'changed', __v: 1 });

    const modified = await user.updateUserGroupPartially({ groupId: id, body: { type: 'json', user_data: [{ user_id: userId, action: 'add' }] } });
    expect(modified._id).toBe(id);
    const refused = await sdkStatus(user.updateUserGroupPartially({ groupId: id, body: { type: 'json', user_data: [{ user_id: userId, action: 'toggle' }] } }));
    expect(refused.code).toBe(400);
    expect(await sdkStatus(user.getUserGroupById({ groupId: '0123456789abcdef01234567' }))).toMatchObject({ code: 404 });
  });

  it('imports a CSV and shows its progress and error report in the group', async () => {
    const created = await user.createUserGroup({ body: { name: 'SDK import', description: 'csv', file_url: files.url('/sdk.csv') } });
    const done = await eventually(() => user.getUserGroupById({ groupId: created._id ?? '' }), (g) => g.status === 'completed' || g.status === 'failed');
    expect(done.status).toBe('completed');
    expect(done.error?.count).toBe(1);
    expect(done.error?.file_url).toMatch(/\/user_group\/[0-9a-f]{24}\/jobs\/[0-9a-f]{24}\/errors$/);
    const patched = await user.updateUserGroupPartially({ groupId: created._id ?? '', body: { type: 'file_url', file_url: files.url('/sdk.csv') } });
    expect(['pending', 'in_progress', 'completed']).toContain(patched.status);
  });

  it('creates a condition group and returns its conditions with the attribute key', async () => {
    const definition = await user.createUserAttributeDefinition({
      body: { name: 'Tier', slug: 'sdk_group_tier', type: 'string', multi_value: false, customer_editable: false, encrypted: false, pinned: false },
    });
    const created = await user.createUserGroup({
      body: { name: 'SDK gold', description: 'tier gold', type: 'conditional', conditions: [{ user_attribute_definition_id: definition._id ?? '', type: 'eq', value: 'gold' }] },
    });
    expect(created.conditions).toEqual([{ user_attribute_definition_id: definition._id, type: 'eq', value: 'gold', key: 'sdk_group_tier' }]);
    const listed = await user.getUserGroups({ type: 'conditional' });
    expect(listed.items?.map((g) => g._id)).toContain(created._id);
  });
});
