import { describe, expect, it } from 'vitest';
import { decideGroup, evolveGroup, initialGroupState, type GroupCommand, type GroupState } from '../../src/commands/group/decider.js';
import { checkFileUrl, isPrivateAddress } from '../../src/commands/group/fileFetch.js';
import type { GroupEvent, GroupFields } from '../../src/events/groupEvents.js';
import { reportCsv } from '../../src/api/platform/groupMapping.js';
import { deciderSpec } from '../support/deciderSpec.js';

const spec = deciderSpec<GroupState, GroupCommand, GroupEvent>({ decide: decideGroup, evolve: evolveGroup, initial: initialGroupState });

const scope = { group_id: 'g1', application_id: 'app' };
const bulk: GroupFields = { name: 'VIP', description: 'd', type: 'bulk', conditions: [], file_url: '' };
const conditional: GroupFields = {
  ...bulk,
  type: 'conditional',
  conditions: [{ user_attribute_definition_id: 'def', type: 'eq', value: 'gold', key: 'tier' }],
};
const created = (group: GroupFields): GroupEvent => ({ type: 'UserGroupCreated', data: { ...scope, company_id: '1', uid: 3, group } });
const create = (group: GroupFields): GroupCommand => ({ type: 'CreateGroup', ...scope, company_id: '1', uid: 3, group });

describe('group decider', () => {
  it('creates a group once', () => {
    spec([]).when(create(bulk)).then([created(bulk)]);
    spec([created(bulk)]).when(create(bulk)).thenFails('conflict', 'group_exists');
  });

  it('wants conditions exactly for conditional groups', () => {
    spec([]).when(create({ ...bulk, type: 'conditional' })).thenFails('validation');
    spec([]).when(create({ ...bulk, conditions: conditional.conditions })).thenFails('validation');
    spec([]).when(create({ ...conditional, file_url: 'http://x/y.csv' })).thenFails('validation');
    spec([]).when(create(conditional)).then([created(conditional)]);
  });

  it('records what an update changed, and nothing when nothing did', () => {
    spec([created(bulk)])
      .when({ type: 'UpdateGroup', changes: { name: 'VVIP', description: undefined } })
      .then([{ type: 'UserGroupUpdated', data: { ...scope, group: { ...bulk, name: 'VVIP' }, changed: ['name'] } }]);
    spec([created(bulk)]).when({ type: 'UpdateGroup', changes: { name: 'VIP' } }).then([]);
    spec([created(bulk)]).when({ type: 'UpdateGroup', changes: { type: 'conditional' } }).thenFails('validation');
    spec([]).when({ type: 'UpdateGroup', changes: { name: 'x' } }).thenFails('not_found');
  });

  it('imports files only into bulk groups, and changes members by list only there', () => {
    spec([created(conditional)]).when({ type: 'QueueJob', job_id: 'j', kind: 'csv', file_url: 'http://x' }).thenFails('validation');
    spec([created(conditional)]).when({ type: 'ChangeMembersByList' }).thenFails('validation');
    spec([created(bulk)])
      .when({ type: 'QueueJob', job_id: 'j', kind: 'csv', file_url: 'http://x' })
      .then([{ type: 'UserGroupJobQueued', data: { ...scope, job_id: 'j', kind: 'csv', file_url: 'http://x' } }]);
  });

  it('tracks the current job: a newer one replaces the older', () => {
    const queued = (job_id: string): GroupEvent => ({ type: 'UserGroupJobQueued', data: { ...scope, job_id, kind: 'csv' } });
    const state = [created(bulk), queued('a'), { type: 'UserGroupJobStarted', data: { ...scope, job_id: 'a' } } as GroupEvent, queued('b')].reduce(
      evolveGroup,
      initialGroupState(),
    );
    expect(state).toMatchObject({ status: 'present', current_job: 'b', running: false });
  });
});

describe('import safety helpers', () => {
  it('knows private, loopback and link-local addresses, also written as IPv6', () => {
    for (const address of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(address), address).toBe(false);
  });

  it('judges a host name by the addresses it resolves to, unless the operator allows the name', async () => {
    const limits = { maxBytes: 1000, timeoutMs: 1000 };
    await expect(checkFileUrl('http://localhost:1/a.csv', { ...limits, allowedHosts: [] })).rejects.toThrow(/private or loopback/);
    await expect(checkFileUrl('http://localhost:1/a.csv', { ...limits, allowedHosts: ['localhost'] })).resolves.toBeInstanceOf(URL);
    await expect(checkFileUrl('http://127.0.0.9:1/a.csv', { ...limits, allowedHosts: ['127.0.0.0/8'] })).resolves.toBeInstanceOf(URL);
    await expect(checkFileUrl('file:///etc/passwd', { ...limits, allowedHosts: [] })).rejects.toThrow(/http/);
    await expect(checkFileUrl('http://user:pw@example.com/a.csv', { ...limits, allowedHosts: [] })).rejects.toThrow(/credentials/);
  });

  it('writes a report a spreadsheet will not run as formulas', () => {
    expect(reportCsv([{ row: 2, column: 'email', value: '=HYPERLINK("x")', reason: 'no such user' }])).toBe(
      'row,column,value,reason\n2,email,"\'=HYPERLINK(""x"")",no such user\n',
    );
  });
});
