import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this file runs from, so a profile taken in any worktree names files from its root. */
const ROOT = `${dirname(dirname(fileURLToPath(import.meta.url)))}/`;

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that a summary needs. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time per function, highest first. */
  functions: Array<{ name: string; ms: number; share: number }>;
  /** Self time of every function, for grouping. */
  allFunctions: Array<{ name: string; ms: number; share: number }>;
  /** Self time per package (node_modules/<name>), source file of this repo, or node internal. */
  places: Array<{ name: string; ms: number; share: number }>;
  /** Inclusive time of frames whose function name matches, e.g. "jwtVerify". */
  inclusive(match: RegExp): number;
}

function placeOf(url: string): string {
  if (url === '') return '(native/VM)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : url;
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    add(fns, `${functionName || '(anonymous)'} ${placeOf(url)}:${lineNumber + 1}`, us);
    add(places, placeOf(url), us);
  }
  const ranked = (map: Map<string, number>, limit = top) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  return {
    totalMs: total / 1000,
    functions: ranked(fns),
    allFunctions: ranked(fns, Infinity),
    places: ranked(places),
    inclusive(match) {
      let us = 0;
      for (const [id, self] of selfUs) {
        for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
          if (match.test(byId.get(at)?.callFrame.functionName ?? '')) {
            us += self;
            break;
          }
        }
      }
      return us / 1000;
    },
  };
}

/** Self time grouped into the layers a request goes through (first matching pattern wins). */
const LAYERS: Array<[string, RegExp]> = [
  ['idle', /^\(idle\)/],
  ['garbage collection', /^\(garbage collector\)/],
  ['logging (pino, redaction)', /pino|sonic-boom|@pinojs|fast-redact|quick-format/],
  ['metrics (prom-client)', /prom-client|tdigest|bintrees|src\/api\/observability/],
  ['JWT (jose, WebCrypto)', /jose|internal\/crypto|webidl|js_transferable|worker\/io/],
  ['SQLite and read models', /better-sqlite3|src\/projections|src\/events|sqlite|^(run|get|all|iterate|exec|pragma|prepare) \(native/],
  ['commands (deciders, handlers, zod, phone)', /src\/commands|zod|libphonenumber|src\/shared/],
  ['express and routing', /express|router|path-to-regexp|body-parser|type-is|raw-body|qs|parseurl|content-type|mime|send|finalhandler|on-finished|src\/api/],
  ['node HTTP and sockets', /_http_|net|stream|writev|writeString|http_parser|tcp_wrap|internal\/events|node:events|buffer|timers|task_queues|async_hooks/],
  ['module loading (start-up)', /modules|tsx|esbuild|source_map|cjs|esm|compileSourceTextModule|wrapSafe|readFileUtf8|internalModuleStat/],
];

export function layersOf(summary: ProfileSummary): Array<{ name: string; ms: number; share: number }> {
  const totals = new Map<string, number>();
  for (const f of summary.allFunctions) {
    const layer = LAYERS.find(([, re]) => re.test(f.name))?.[0] ?? 'other';
    totals.set(layer, (totals.get(layer) ?? 0) + f.ms);
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, share: ms / summary.totalMs }));
}

export function printProfile(title: string, summary: ProfileSummary): void {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${title}: ${summary.totalMs.toFixed(0)} ms of samples`);
  console.log('-- self time by layer');
  for (const l of layersOf(summary)) console.log(`${pct(l.share)} ${l.ms.toFixed(0).padStart(7)} ms  ${l.name}`);
  console.log('-- self time by place');
  for (const p of summary.places) console.log(`${pct(p.share)} ${p.ms.toFixed(0).padStart(7)} ms  ${p.name}`);
  console.log('-- self time by function');
  for (const f of summary.functions) console.log(`${pct(f.share)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
}
