/** The real service as a child process, for tests that kill it (crash safety, resumed jobs). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { APP, APP_TOKEN, CLIENT, COMPANY, OTHER_APP, OTHER_CLIENT, OTHER_COMPANY, requestPlatformToken } from './testService.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningService {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
}

const children = new Set<ChildProcess>();

/** Kills every child still running: for afterEach, so a failed test leaves no service behind. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child, 'SIGKILL')));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `npm start`'s service as a child process on 127.0.0.1, on the given data directory, once healthy.
 * It runs the embedded default: the runner's REDIS_URL (CI exports one) is not passed on unless
 * `env` names it, so its jobs, sessions and OTPs stay in the data directory that is killed with it.
 */
export async function startChildService(dataDir: string, env: Record<string, string> = {}): Promise<RunningService> {
  const port = await freePort();
  const { REDIS_URL: _runnersRedis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO,
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      BOOTSTRAP_PLATFORM_CLIENTS: `${COMPANY}:${CLIENT.id}:${CLIENT.secret},${OTHER_COMPANY}:${OTHER_CLIENT.id}:${OTHER_CLIENT.secret}`,
      BOOTSTRAP_APPLICATIONS: `${COMPANY}:${APP}:${APP_TOKEN},${OTHER_COMPANY}:${OTHER_APP}:${APP_TOKEN}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`service exited before it was healthy (${String(child.exitCode ?? child.signalCode)}):\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`service not healthy within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, baseUrl, output: () => output };
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

export const tokenFor = (baseUrl: string): Promise<string> => requestPlatformToken(baseUrl);

