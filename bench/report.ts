/** What every benchmark file shares: one row shape, the floor pairing and the figure format. */
import { measure, type LoadResult, type LoadSpec } from './load.js';
import type { Child } from './processes.js';

export interface BenchRow {
  name: string;
  target: string;
  measured: string;
  ratio: string;
  pass?: boolean;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const latency = (r: LoadResult) => `p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms`;

/** A benchmark made of 4xx answers or socket errors must not pass unnoticed. */
export function checkClean(name: string, r: LoadResult): void {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors under load`);
}

/** A benchmark and the floor measured just before it, with identical load settings. */
export interface Paired {
  result: LoadResult;
  floor: LoadResult;
  ratio: number;
}

export async function paired(floorServer: Child, name: string, spec: LoadSpec, log: (message: string) => void): Promise<Paired> {
  const floor = await measure({ url: floorServer.url, pid: floorServer.pid, next: () => ({ path: '/floor' }) });
  checkClean(`floor before ${name}`, floor);
  const result = await measure(spec);
  checkClean(name, result);
  log(`  ${name}: ${fmt(result.rps)} req/s (${latency(result)}); floor ${fmt(floor.rps)} req/s (${latency(floor)})`);
  if (result.cpuUsPerRequest <= 0 || floor.cpuUsPerRequest <= 0) throw new Error(`${name}: no CPU time read from /proc`);
  return { result, floor, ratio: result.rps / floor.rps };
}

export const httpFigure = (p: Paired) =>
  `${fmt(p.result.rps)} req/s, ${latency(p.result)}, ${fmt(p.result.cpuUsPerRequest)} us CPU/req ` +
  `(floor ${fmt(p.floor.rps)} req/s, ${fmt(p.floor.cpuUsPerRequest)} us CPU/req)`;

/** Throughput ratio, then the steadier CPU-per-request ratio (floor CPU / benchmark CPU). */
export const ratios = (p: Paired) => `${fmt(p.ratio, 2)} (CPU ${fmt(p.floor.cpuUsPerRequest / p.result.cpuUsPerRequest, 2)})`;

/** Latency at a fixed request rate, for the service and, just before, for the floor at the same rate. */
export interface AtRate {
  result: LoadResult;
  floor: LoadResult;
  rate: number;
}

export async function atFixedRate(floorServer: Child, name: string, spec: LoadSpec, rate: number, log: (message: string) => void): Promise<AtRate> {
  const floor = await measure({ url: floorServer.url, pid: floorServer.pid, next: () => ({ path: '/floor' }), rate });
  checkClean(`floor at ${rate} req/s before ${name}`, floor);
  const result = await measure({ ...spec, rate });
  checkClean(`${name} at ${rate} req/s`, result);
  log(`  ${name} at ${fmt(rate)} req/s: ${latency(result)}; floor ${latency(floor)}`);
  return { result, floor, rate };
}

export const rateFigure = (r: AtRate) =>
  `at a fixed ${fmt(r.rate)} req/s: ${latency(r.result)}, ${fmt(r.result.cpuUsPerRequest)} us CPU/req (floor at the same rate: ${latency(r.floor)})`;
