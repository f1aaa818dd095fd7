import autocannon from 'autocannon';
import { cpuSecondsOf } from './processes.js';

/** Identical for every HTTP measure, the floor included. */
export const LOAD = {
  connections: 10,
  pipelining: 1,
  /** BENCH_DURATION shortens runs while developing the suite; the reported figures use 10 s. */
  durationSeconds: Number(process.env.BENCH_DURATION ?? 10),
  warmupSeconds: 2,
  /**
   * A benchmark and its floor are measured in this many alternating windows of
   * `roundSeconds` each (report.ts `paired`): the machine's load drifts over tens of seconds,
   * and a floor taken once, before, caught a different moment than the benchmark.
   */
  rounds: 3,
  roundSeconds: Math.max(1, Math.ceil(Number(process.env.BENCH_DURATION ?? 10) / 3)),
} as const;

export interface LoadResult {
  /** 2xx responses per second over the measured window. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU time (user + system) per answered request: steadier than req/s on a busy machine. */
  cpuUsPerRequest: number;
  /** 2xx answers, the measured seconds and the server's CPU seconds: what windows add up from. */
  ok: number;
  seconds: number;
  cpuSeconds: number;
}

export interface LoadSpec {
  url: string;
  /** The server's pid, to read its CPU time around the measured run. */
  pid: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called for every request: the path (and body) it sends. */
  next: () => { path: string; body?: string };
  /**
   * Requests per second across all connections. Unset: as fast as the server answers (closed
   * loop at saturation, where latency is mostly queueing). Set well below saturation, the
   * latency describes one request, not the queue in front of it.
   */
  rate?: number;
}

function fire(spec: LoadSpec, durationSeconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: LOAD.connections,
        pipelining: LOAD.pipelining,
        duration: durationSeconds,
        ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
        method: spec.method ?? 'GET',
        headers: spec.headers ?? {},
        requests: [
          {
            setupRequest: (request) => {
              const { path, body } = spec.next();
              return body === undefined ? { ...request, path } : { ...request, path, body };
            },
          },
        ],
      },
      (error, result) => (error === null || error === undefined ? resolve(result) : reject(error as Error)),
    );
    instance.on('error', reject);
  });
}

/** Load without measuring: JIT, caches, connection setup. */
export async function warmUp(spec: LoadSpec): Promise<void> {
  await fire(spec, LOAD.warmupSeconds);
}

/** One measured window of load, with the server's CPU time over it. */
export async function measureWindow(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const cpuBefore = cpuSecondsOf(spec.pid);
  const result = await fire(spec, seconds);
  const cpu = cpuSecondsOf(spec.pid) - cpuBefore;
  return {
    cpuUsPerRequest: (cpu * 1e6) / Math.max(1, result.requests.total),
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    ok: result['2xx'],
    seconds: result.duration,
    cpuSeconds: cpu,
  };
}

/** A short warm-up, then one measured run of `LOAD.durationSeconds`. */
export async function measure(spec: LoadSpec): Promise<LoadResult> {
  await warmUp(spec);
  return measureWindow(spec, LOAD.durationSeconds);
}

/** The middle value; for an even count, the mean of the middle two. */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/**
 * Windows of one load as one result: throughput and CPU per request over all of them, the
 * median window's p50 and the worst window's p99 (a p99 cannot be rebuilt from windows' p99s;
 * the worst of them errs on the side of the target).
 */
export function combineWindows(windows: LoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number) => windows.reduce((total, r) => total + pick(r), 0);
  const requests = sum((r) => r.requests);
  return {
    rps: sum((r) => r.ok) / sum((r) => r.seconds),
    p50Ms: median(windows.map((r) => r.p50Ms)),
    p99Ms: Math.max(...windows.map((r) => r.p99Ms)),
    requests,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    cpuUsPerRequest: (sum((r) => r.cpuSeconds) * 1e6) / Math.max(1, requests),
    ok: sum((r) => r.ok),
    seconds: sum((r) => r.seconds),
    cpuSeconds: sum((r) => r.cpuSeconds),
  };
}
