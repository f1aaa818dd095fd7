import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './sqlite.js';

/**
 * SQLite copies the write-ahead log back into the database file (a checkpoint) inside whichever
 * commit crosses `wal_autocheckpoint` pages, and that copy fsyncs twice: one request in every few
 * dozen writes stalled the event loop for tens of milliseconds. A worker thread with its own
 * connection checkpoints in the background instead (PASSIVE: it never blocks the writer), and
 * the writer's own auto-checkpoint stays as a backstop at a much larger size in case the worker
 * cannot keep up.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ error: String(error) }); }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } finally { db.close(); parentPort.postMessage({ stopped: true }); }
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

export function startWalCheckpointer(
  db: SqliteDatabase,
  options: { intervalMs?: number; backstopPages?: number; onError?: (message: string) => void } = {},
): WalCheckpointer {
  const { intervalMs = 500, backstopPages = 20_000, onError } = options;
  if (db.memory) return { stop: async () => {} };
  db.pragma(`wal_autocheckpoint = ${backstopPages}`);
  const synchronous = (db.pragma('synchronous', { simple: true }) as number) >= 2 ? 'FULL' : 'NORMAL';
  const worker = new Worker(WORKER, { eval: true, workerData: { file: db.name, intervalMs, synchronous } });
  // The worker must not keep a finished process alive.
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) onError?.(message.error);
  });
  worker.on('error', (error) => onError?.(String(error)));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => resolve();
        worker.once('exit', done);
        worker.on('message', (message: { stopped?: boolean }) => {
          if (message.stopped === true) void worker.terminate();
        });
        worker.postMessage('stop');
        // A worker stuck on a busy database is not worth hanging shutdown for.
        setTimeout(() => void worker.terminate(), 2_000).unref();
      }),
  };
}
