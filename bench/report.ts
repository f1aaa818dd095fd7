/** What every benchmark file shares: one row shape, the floor pairing and the figure format. */
import { combineWindows, LOAD, measure, measureWindow, median, warmUp, type LoadResult, type LoadSpec } from './load.js';
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

/** A benchmark and its floor, measured in alternating windows with identical load settings. */
export interface Paired {
  result: LoadResult;
  floor: LoadResult;
  /** The median of the windows' ratios: the figure judged against the target. */
  ratio: number;
  /** Each round's ratio, in order. */
  rounds: number[];
}

/**
 * Both warmed up, then `LOAD.rounds` rounds of one window each, the floor first in one round and
 * second in the next, so that a drift in the machine's load weighs on both sides alike. Each
 * round gives a ratio; the median of them is the figure.
 */
export async function pairedWindows(
  name: string,
  floor: { warmUp: () => Promise<void>; window: () => Promise<LoadResult> },
  bench: { warmUp: () => Promise<void>; window: () => Promise<LoadResult> },
): Promise<Paired> {
  await floor.warmUp();
  await bench.warmUp();
  const floors: LoadResult[] = [];
  const results: LoadResult[] = [];
  for (let round = 0; round < LOAD.rounds; round += 1) {
    if (round % 2 === 0) {
      floors.push(await floor.window());
      results.push(await bench.window());
    } else {
      results.push(await bench.window());
      floors.push(await floor.window());
    }
  }
  const [result, floorResult] = [combineWindows(results), combineWindows(floors)];
  checkClean(`floor of ${name}`, floorResult);
  checkClean(name, result);
  if (result.cpuUsPerRequest <= 0 || floorResult.cpuUsPerRequest <= 0) throw new Error(`${name}: no CPU time read`);
  const rounds = results.map((r, i) => r.rps / (floors[i]?.rps ?? NaN));
  return { result, floor: floorResult, ratio: median(rounds), rounds };
}

export async function paired(floorServer: Child, name: string, spec: LoadSpec, log: (message: string) => void): Promise<Paired> {
  const floorSpec: LoadSpec = { url: floorServer.url, pid: floorServer.pid, next: () => ({ path: '/floor' }) };
  const pair = await pairedWindows(
    name,
    { warmUp: () => warmUp(floorSpec), window: () => measureWindow(floorSpec, LOAD.roundSeconds) },
    { warmUp: () => warmUp(spec), window: () => measureWindow(spec, LOAD.roundSeconds) },
  );
  log(`  ${name}: ${fmt(pair.result.rps)} req/s (${latency(pair.result)}); floor ${fmt(pair.floor.rps)} req/s (${latency(pair.floor)}); rounds ${roundsOf(pair)}`);
  return pair;
}

const roundsOf = (p: Paired) => p.rounds.map((r) => fmt(r, 2)).join(' / ');

export const httpFigure = (p: Paired) =>
  `${fmt(p.result.rps)} req/s, ${latency(p.result)}, ${fmt(p.result.cpuUsPerRequest)} us CPU/req ` +
  `(floor ${fmt(p.floor.rps)} req/s, ${fmt(p.floor.cpuUsPerRequest)} us CPU/req)`;

/** Median ratio with each round's, then the steadier CPU-per-request ratio (floor CPU / benchmark CPU). */
export const ratios = (p: Paired) => `${fmt(p.ratio, 2)} (rounds ${roundsOf(p)}; CPU ${fmt(p.floor.cpuUsPerRequest / p.result.cpuUsPerRequest, 2)})`;

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
