import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/shared/sqlite.js';
import { startWalCheckpointer } from '../../src/shared/walCheckpointer.js';

describe('background WAL checkpointer', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file without the writer doing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-ckpt-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const db = openSqlite(file, 'NORMAL');
    const checkpointer = startWalCheckpointer(db, { intervalMs: 20, backstopPages: 1_000_000 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000_000);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(1_000));
    })();
    const before = statSync(file).size;
    // The writer never checkpoints (backstop far away): only the worker can grow the main file.
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < 2_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(before).toBeLessThan(100_000);
    expect(statSync(file).size).toBeGreaterThan(2_000_000);
    await checkpointer.stop();
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(2_000);
    db.close();
  });

  it('does nothing for an in-memory database', async () => {
    const db = openSqlite(':memory:');
    const checkpointer = startWalCheckpointer(db);
    await checkpointer.stop();
    db.close();
  });
});
