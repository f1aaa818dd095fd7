/**
 * Customer attributes through the official Fynd SDK 1.4.13 with `strictResponseCheck: true`:
 * every attribute method it has, so each reply that resolves also passes the SDK's own model.
 * The whole suite runs again on SDK 3.4.2, and its additions (bulk set, filter, bulk delete, the
 * customer timeline) are called through 3.4.2 itself, its request validators included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/testService.js';
import { CONTRACT_SCHEMAS, checkShape, contractFile } from '../support/contractShapes.js';
import { PLATFORM_SDKS, platformUserClientV3, sdkStatus, type SdkUserClient, type SdkV3UserClient } from '../support/platformSdk.js';

describe.each(PLATFORM_SDKS)('customer attributes through the Fynd SDK $sdk (strictResponseCheck)', ({ connect }) => {
  let ts: TestService;
  let user: SdkUserClient;
  let userId: string;

  beforeAll(async () => {
    ts = await startTestService();
    user = await connect(ts);
    const created = await user.createUser({ body: { phone_number: '9812345670', email: 'attr.sdk@example.com', first_name: 'Attr', username: '' } });
    if (created.user?.user_id === undefined) throw new Error('createUser returned no user_id');
    userId = created.user.user_id;
  });

  afterAll(async () => {
    await ts.close();
  });

  it('uses the contract’s schemas as the contract file has them', () => {
    const contract = contractFile();
    if (contract === undefined) {
      console.warn('SKIPPED: shared/contract/user-api.json is not beside this checkout; the embedded copies of its schemas are used as they are');
      return;
    }
    for (const [name, schema] of Object.entries(CONTRACT_SCHEMAS)) expect(contract.schemas[name], name).toEqual(schema);
  });

  it('checks shapes strictly enough to fail', () => {
    expect(checkShape('UserAttribute', { _id: null, attribute: 'x' })).toEqual(['_id must be a string', 'attribute must be an object']);
    expect(checkShape('SuccessMessage', { success: true })).toEqual(['success must be a string']);
  });

  it('creates, reads, lists, updates and deletes definitions', async () => {
    const created = await user.createUserAttributeDefinition({
      body: {
        name: 'Loyalty tier',
        slug: 'sdk_tier',
        description: 'from the SDK',
        type: 'string',
        multi_value: false,
        customer_editable: true,
        encrypted: false,
        pinned: true,
        pin_order: 1,
        default_value: 'silver',
        validations: [{ type: 'enum', value: ['gold', 'silver'] }],
      },
    });
    expect(created).toMatchObject({ slug: 'sdk_tier', multi_value: false, customer_editable: true, default_value: 'silver' });
    const id = created._id ?? '';
    const read = await user.getUserAttributeDefinitionById({ attributeDefId: id });
    expect(read).toMatchObject({ _id: id, name: 'Loyalty tier', validations: [{ type: 'enum', value: ['gold', 'silver'] }] });
    expect(checkShape('UserAttributeDefinition', read)).toEqual([]);

    const listed = (await user.getUserAttributeDefinitions({ slug: 'sdk_tier', pinned: true, customerEditable: true, pageSize: 5, pageNo: 1 })) as {
      items: Array<{ _id: string }>;
    };
    expect(checkShape('UserAttributeDefinitionList', listed)).toEqual([]);
    expect(listed.items.map((d) => d._id)).toEqual([id]);
    const byName = (await user.getUserAttributeDefinitions({ name: 'LOYALTY', excludingIds: '000000000000000000000000' })) as { items: unknown[] };
    expect(byName.items).toHaveLength(1);

    const updated = await user.updateUserAttributeDefinition({ attributeDefId: id, body: { name: 'Tier', default_value: 'gold' } });
    expect(updated).toMatchObject({ name: 'Tier', slug: 'sdk_tier', __v: 1 });
    expect(checkShape('UserAttributeDefinition', updated)).toEqual([]);

    const clash = await sdkStatus(user.createUserAttributeDefinition({ body: { name: 'Again', slug: 'sdk_tier', type: 'number' } }));
    expect(clash.code).toBe(409);
    expect(clash.message).toContain('sdk_tier');

    const deleted = await user.deleteUserAttributeDefinitionById({ attributeDefId: id });
    expect(deleted).toMatchObject({ success: 'true' });
    expect((await sdkStatus(user.getUserAttributeDefinitionById({ attributeDefId: id }))).code).toBe(404);
  });

  it('sets, reads, lists and deletes a user’s values', async () => {
    const definition = await user.createUserAttributeDefinition({ body: { name: 'Shoe size', slug: 'sdk_shoe', type: 'number', multi_value: false } });
    const definitionId = definition._id ?? '';
    const first = await user.updateUserAttribute({ attributeDefId: definitionId, userId, body: { customer_overriden: false, attribute: { value: 42 } } });
    expect(first).toMatchObject({ name: 'Shoe size', type: 'number', user_id: userId, customer_overriden: false, attribute: { value: 42 } });
    expect(checkShape('UserAttribute', first)).toEqual([]);
    const second = await user.updateUserAttribute({ attributeDefId: definitionId, userId, body: { attribute: { value: 43 } } });
    expect(second._id).toBe(first._id);

    const read = await user.getUserAttribute({ attributeDefId: definitionId, userId });
    expect(read).toMatchObject({ _id: first._id, attribute: { value: 43 } });
    const byId = await user.getUserAttributeById({ attributeId: first._id ?? '' });
    expect(byId).toEqual(read);

    const all = await user.getUserAttributesForUser({ userId, pageSize: 10, pageNo: 1 });
    expect(checkShape('UserAttributeDefinitionsResponseSchema', all)).toEqual([]);
    expect((all as { items: Array<{ _id: string }> }).items.map((v) => v._id)).toEqual([first._id]);

    const wrong = await sdkStatus(user.updateUserAttribute({ attributeDefId: definitionId, userId, body: { attribute: { value: 'large' } } }));
    expect(wrong.code).toBe(400);
    expect(wrong.message).toContain('attribute "Shoe size" (sdk_shoe) expects a number');

    expect(await user.deleteUserAttribute({ attributeDefId: definitionId, userId })).toMatchObject({ success: 'true' });
    expect((await sdkStatus(user.getUserAttribute({ attributeDefId: definitionId, userId }))).code).toBe(404);
  });
});

describe('the SDK 3.4.2 additions through 3.4.2 itself (strictResponseCheck)', () => {
  let ts: TestService;
  let v3: SdkV3UserClient;
  let userId: string;
  let ids: string[];

  beforeAll(async () => {
    ts = await startTestService();
    v3 = await platformUserClientV3(ts);
    const created = await v3.createUser({ body: { phone_number: '9812345679', email: 'attr.v3@example.com', first_name: 'Three', username: '' } });
    userId = created.user?.user_id ?? '';
    const tier = await v3.createUserAttributeDefinition({ body: { name: 'Club', slug: 'v3_club', type: 'string' } });
    const visits = await v3.createUserAttributeDefinition({ body: { name: 'Visits', slug: 'v3_visits', type: 'number' } });
    ids = [tier._id ?? '', visits._id ?? ''];
  });
  afterAll(async () => ts.close());

  it('sets several values at once, finds the user by them, and deletes them at once', async () => {
    const bulk = await v3.updateUserAttributes({ userId, body: { attributes: [{ definition_id: ids[0] ?? '', value: 'gold' }, { definition_id: ids[1] ?? '', value: 12 }] } });
    expect(checkShape('BulkUserAttribute', bulk)).toEqual([]);
    expect(bulk.success).toBe(true);

    const query = { type: 'and', page: 1, limit: 10, conditions: [{ definition_id: ids[0] ?? '', type: 'eq', value: 'gold' }, { definition_id: ids[1] ?? '', type: 'gte', value: 10 }] };
    const filtered = await v3.filterUsersByAttributes({ body: { query } });
    expect(checkShape('UserAttributeFiltered', filtered)).toEqual([]);
    expect((filtered.items ?? []).map((u) => [u._id, u.attributes?.length])).toEqual([[userId, 2]]);
    // Narrowed by the user's email, and to the attributes of one definition.
    const narrowed = await v3.filterUsersByAttributes({ body: { query: { ...query, email: 'attr.v3@example.com', definition_ids: [ids[1] ?? ''] } } });
    expect((narrowed.items ?? []).map((u) => [u._id, u.attributes?.length])).toEqual([[userId, 1]]);
    const nobody = await v3.filterUsersByAttributes({ body: { query: { ...query, conditions: [{ definition_id: ids[1] ?? '', type: 'gt', value: 12 }] } } });
    expect(nobody.items).toEqual([]);

    const removed = await v3.deleteUserAttributesInBulk({ userId, body: { definition_ids: ids } });
    expect(checkShape('SuccessMessage', removed)).toEqual([]);
    expect(removed.success).toBe('true');
    expect((await v3.getUserAttributesForUser({ userId })).items).toEqual([]);
  });

  it('refuses a bulk set with one bad value as a 400 naming it, and writes none of them', async () => {
    const failure = await sdkStatus(v3.updateUserAttributes({ userId, body: { attributes: [{ definition_id: ids[0] ?? '', value: 'silver' }, { definition_id: ids[1] ?? '', value: 'many' }] } }));
    expect(failure.code).toBe(400);
    expect(failure.message).toContain('attributes[1].value');
    expect((await v3.getUserAttributesForUser({ userId })).items).toEqual([]);
  });

  it("shows the customer's timeline", async () => {
    await v3.blockOrUnblockUsers({ body: { user_id: [userId], status: false, reason: 'chargebacks' } });
    const { timeline } = await v3.getUserTimeline({ userId });
    expect(timeline?.map((entry) => entry.type).slice(0, 2)).toEqual(['UserBlocked', 'UserCreated']);
    expect(timeline?.[0]).toMatchObject({ title: 'Customer blocked', sub_title: 'chargebacks', visible: true });
  });
});
