import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST = '127.0.0.1';

/** A process the benchmark started: its pid, where it listens, and how long it took to answer. */
export interface Child {
  pid: number;
  url: string;
  /** From spawn() until the readiness URL first answered 200. */
  startupMs: number;
  stop(): Promise<void>;
}

/** A port the OS says is free now; the child binds it a moment later. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns `node --import tsx <script>` (no npx wrapper, so the pid is the server's own) from the
 * checkout `root` (this one unless another is given, as bench/ab.ts does) and polls
 * `readyPath` every 10 ms until it answers 200. stdout is discarded (the service logs one JSON
 * line per request at LOG_LEVEL=info, as in production); stderr is kept for error reports.
 */
export async function spawnNode(
  script: string,
  env: Record<string, string>,
  readyPath: string,
  nodeArgs: string[] = [],
  timeoutMs = 30_000,
  root = ROOT,
): Promise<Child> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code) => {
      exited = code;
      resolve();
    });
  });
  const url = `http://${HOST}:${port}`;
  for (;;) {
    if (exited !== undefined) throw new Error(`${script} exited with ${String(exited)} before it was ready:\n${stderr}`);
    if (await answers200(`${url}${readyPath}`)) break;
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${script} not ready after ${timeoutMs} ms:\n${stderr}`);
    }
    await sleep(10);
  }
  const startupMs = performance.now() - started;
  if (child.pid === undefined) throw new Error(`${script}: no pid`);
  return {
    pid: child.pid,
    url,
    startupMs,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/** Resident and peak resident memory of a process, in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSecondsOf(pid: number): number {
  return cpuSecondsIn(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime of a `stat` line of /proc (a process's or one thread's). */
function cpuSecondsIn(stat: string): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds per thread of a process (tid → seconds), from /proc/<pid>/task: the main thread
 * apart from libuv's pool (argon2) and V8's helpers, which the process total lumps together.
 */
export function threadCpuSecondsOf(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.set(Number(tid), cpuSecondsIn(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
