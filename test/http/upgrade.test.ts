import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, startTestService } from '../support/testService.js';

/**
 * A data directory written by an older version: read-model tables laid out differently, or a
 * table that version did not have. The service must rebuild those read models from the log at
 * start, not fail on a missing table or serve from a stale layout.
 */
describe('starting on a data directory from an older version', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-upgrade-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('rebuilds read models whose recorded version differs, from the log, before serving', async () => {
    let t = await startTestService({ DATA_DIR: dataDir });
    const token = await t.token();
    const created = await call('POST', `${t.platformBase}/customers`, token, { email: 'old.layout@example.com', phone_number: '9876500001', first_name: 'Old' });
    expect(created.status).toBe(200);
    const userId = (created.body.user as { _id: string })._id;
    // What an older version left behind: an unversioned customers read model missing its
    // identifiers table, and an attributes model without its counts table.
    t.service.db.exec("DELETE FROM projection_versions WHERE name IN ('customers', 'attributes')");
    t.service.db.exec('DROP TABLE customers_identifiers');
    t.service.db.exec("UPDATE customers SET first_name = 'stale', doc = '{}'");
    t.service.db.exec('DROP TABLE user_attribute_counts');
    await t.close();

    t = await startTestService({ DATA_DIR: dataDir });
    try {
      const listed = await call('GET', `${t.platformBase}/customers/list?q=old.layout@example.com`, token);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toMatchObject([{ _id: userId, first_name: 'Old' }]);
      const definitions = await call('GET', `${t.platformBase}/user_attribute/definition`, token);
      expect(definitions.status).toBe(200);
      const versions = t.service.db.prepare('SELECT name, version FROM projection_versions ORDER BY name').all();
      expect(versions.map((v) => (v as { name: string }).name)).toEqual(expect.arrayContaining(['attributes', 'customers']));
    } finally {
      await t.close();
    }
  });
});
