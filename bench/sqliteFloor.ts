import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCustomersReadModel } from '../src/projections/sqlite/sqliteCustomers.js';
import { openSqlite } from '../src/shared/sqlite.js';
import { APP, COMPANY } from './service.js';

/**
 * The floor for the projection rebuild: the same rows a rebuild writes for one created customer
 * (one customer row with its JSON document, four identifier rows), in the same tables (same schema
 * and indexes), in transactions of the same size, with every value prepared beforehand: what
 * SQLite alone costs, with no event reading, parsing or folding. Rows per second = customers/s.
 */
export function rawInsertFloor(count: number, batch = 5000): { rowsPerSecond: number; ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'user-service-bench-floor-'));
  const db = openSqlite(join(dir, 'floor.sqlite'), 'NORMAL');
  try {
    const model = new SqliteCustomersReadModel(db, 'floor_customers');
    const upsert = db.prepare(
      `INSERT INTO ${model.table} (application_id, user_id, seq, revision, archived, active, username, first_name, last_name,
         gender, external_id, rr_id, doc) VALUES (?, ?, ?, 0, 0, 1, ?, ?, ?, ?, NULL, NULL, ?)`,
    );
    const key = db.prepare(`INSERT INTO ${model.identifiersTable} (application_id, kind, value, user_id) VALUES (?, ?, ?, ?)`);
    const at = new Date().toISOString();
    const rows = Array.from({ length: count }, (_, i) => {
      const userId = (0x65000000 + i).toString(16).padStart(24, '0');
      const phone = `9${String(i).padStart(9, '0')}`;
      const email = `c${i}.floor@bench.example.com`;
      const username = `${phone}_${userId.slice(-5)}`;
      const doc = JSON.stringify({
        user_id: userId,
        application_id: APP,
        company_id: COMPANY,
        username,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        gender: 'female',
        meta: { source: 'bench', tier: i % 5 },
        phone_numbers: [{ phone, country_code: 91, active: true, primary: true, verified: true }],
        emails: [{ email, active: true, primary: true, verified: true }],
        account_type: 'user',
        active: true,
        archive: false,
        created_at: at,
        updated_at: at,
        seq: i + 1,
        revision: 0,
      });
      return { userId, phone, email, username, doc, i };
    });
    const insertBatch = db.transaction((slice: typeof rows) => {
      for (const r of slice) {
        upsert.run(APP, r.userId, r.i + 1, r.username, `First${r.i}`, `Last${r.i}`, 'female', r.doc);
        key.run(APP, 'email', r.email, r.userId);
        key.run(APP, 'phone', `91${r.phone}`, r.userId);
        key.run(APP, 'phone_national', r.phone, r.userId);
        key.run(APP, 'username', r.username, r.userId);
      }
    });
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) insertBatch(rows.slice(i, i + batch));
    const ms = performance.now() - started;
    return { rowsPerSecond: (count / ms) * 1000, ms };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
