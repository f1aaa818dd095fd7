import autocannon from 'autocannon';
import { cpuSecondsOf } from './processes.js';

/** Identical for every HTTP measure, the floor included. */
export const LOAD = {
  connections: 10,
  pipelining: 1,
  /** BENCH_DURATION shortens runs while developing the suite; the reported figures use 10 s. */
  durationSeconds: Number(process.env.BENCH_DURATION ?? 10),
  warmupSeconds: 2,
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

/** A short warm-up (JIT, caches, connection setup), then the measured run. */
export async function measure(spec: LoadSpec): Promise<LoadResult> {
  await fire(spec, LOAD.warmupSeconds);
  const cpuBefore = cpuSecondsOf(spec.pid);
  const result = await fire(spec, LOAD.durationSeconds);
  const cpu = cpuSecondsOf(spec.pid) - cpuBefore;
  return {
    cpuUsPerRequest: (cpu * 1e6) / Math.max(1, result.requests.total),
    rps: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
