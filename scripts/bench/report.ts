/** Turns the samples into medians, ratios and targets; prints them and writes the JSON file. */
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { CaseName, RunSample } from './load';
import { median, ratio, target, type Target } from './stats';

export interface Side {
  runs: RunSample[];
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Per instance, the highest VmRSS seen in any run of the case, bytes. */
  peakRss: number[];
  non2xx: number;
  errors: number;
  /** Median CPU µs per response of the side's processes (see RunSample). */
  cpuUsPerResponse: number;
}

export interface CaseResult {
  case: CaseName;
  connections: number;
  floor: Side;
  service: Side;
  ratioReqPerSec: number;
  ratioP99: number;
  /** Non-empty when a run had non-2xx answers or errors: its figures are not to be trusted. */
  problems: string[];
}

export interface Startup {
  runsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export function summarise(runs: RunSample[]): Side {
  const instances = runs[0]?.peakRss.length ?? 0;
  return {
    runs,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    peakRss: Array.from({ length: instances }, (_, i) => Math.max(...runs.map((r) => r.peakRss[i]))),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
    cpuUsPerResponse: median(runs.map((r) => r.cpuUsPerResponse)),
  };
}

export function caseResult(kind: CaseName, connections: number, floorRuns: RunSample[], serviceRuns: RunSample[]) {
  const floor = summarise(floorRuns);
  const service = summarise(serviceRuns);
  const problems: string[] = [];
  for (const [name, side] of [
    ['floor', floor],
    ['service', service],
  ] as const) {
    if (side.non2xx > 0) problems.push(`${name}: ${side.non2xx} non-2xx responses`);
    if (side.errors > 0) problems.push(`${name}: ${side.errors} errors/timeouts`);
  }
  return {
    case: kind,
    connections,
    floor,
    service,
    ratioReqPerSec: ratio(service.reqPerSec, floor.reqPerSec),
    ratioP99: ratio(service.p99Ms, floor.p99Ms),
    problems,
  } satisfies CaseResult;
}

// Decimal megabytes (10^6 bytes): the target says 200 MB, and MiB would be the laxer reading.
const MB = 1_000_000;
export const mb = (bytes: number) => (bytes / MB).toFixed(0);

/** The targets (docs/benchmarks.md); they are defined for one instance at 20 connections on 2 cores, on each supported Node.js. */
export function evaluateTargets(cases: CaseResult[], servicePeakRss: number, startup: Startup): Target[] {
  const at20 = (kind: CaseName) => cases.find((c) => c.case === kind && c.connections === 20);
  const trusted = (c: CaseResult | undefined) => (c && c.problems.length === 0 ? c : undefined);
  const get = trusted(at20('GET config'));
  const put = trusted(at20('PUT config'));
  return [
    target('GET config req/s @20', get?.ratioReqPerSec, '>=', 0.6, '× floor', '≥ 0.60 × floor'),
    target('GET config p99 @20', get?.ratioP99, '<=', 2, '× floor', '≤ 2.00 × floor'),
    target('PUT config req/s @20', put?.ratioReqPerSec, '>=', 0.5, '× floor', '≥ 0.50 × floor'),
    target('service peak RSS under load', servicePeakRss / MB, '<=', 200, 'MB', '≤ 200 MB'),
    target('start-up to ready (median)', startup.medianMs / 1000, '<=', 1.5, 's', '≤ 1.5 s'),
  ];
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

export function printTable(cases: CaseResult[], rounds: number): void {
  const widths = [24, 9, 9, 8, 8, 8, 8, 7, 7, 6, 6, 7, 7];
  const head = ['case (median of ' + rounds + ')', 'floor r/s', 'svc r/s', 'fl p50', 'svc p50', 'fl p99'];
  head.push('svc p99', 'fl MB', 'svc MB', 'r/s ×', 'p99 ×', 'fl µs', 'svc µs');
  console.log(row(head, widths));
  for (const c of cases) {
    const f = c.floor;
    const s = c.service;
    const ms = (v: number) => v.toFixed(2);
    console.log(
      row(
        [
          `${c.case} @${c.connections}`,
          f.reqPerSec.toFixed(0),
          s.reqPerSec.toFixed(0),
          ms(f.p50Ms),
          ms(s.p50Ms),
          ms(f.p99Ms),
          ms(s.p99Ms),
          f.peakRss.map(mb).join('+'),
          s.peakRss.map(mb).join('+'),
          c.ratioReqPerSec.toFixed(2),
          c.ratioP99.toFixed(2),
          f.cpuUsPerResponse.toFixed(0),
          s.cpuUsPerResponse.toFixed(0),
        ],
        widths,
      ),
    );
    for (const problem of c.problems) console.log(`  !! ${problem} — this case's figures are not valid`);
  }
  console.log(
    '(latencies in ms; MB = peak VmRSS during the measured runs, one figure per instance; µs = CPU time of the process(es) per response)',
  );
}

export function printTargets(
  targets: Target[],
  note?: string,
  title = 'TARGETS (2-core machine, one instance, 20 connections)',
): void {
  console.log(`\n${title}`);
  if (note) console.log(`  ${note}`);
  for (const t of targets) {
    const verdict = t.pass === undefined ? 'N/A ' : t.pass ? 'PASS' : 'FAIL';
    const value = t.measured === undefined ? 'not measured' : `${t.measured.toFixed(2)} ${t.unit}`;
    console.log(`  ${verdict}  ${t.name.padEnd(30)} ${value.padStart(16)}   target ${t.rule}`);
  }
}

function versionOf(root: string, pkg: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return null;
  }
}

/** Which Nest HTTP adapter the built service uses: looked up in dist/, where the adapter is required. */
function adapterInUse(root: string): string {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
    );
  try {
    const uses = (pkg: string) => files(join(root, 'dist')).some((f) => readFileSync(f, 'utf8').includes(`"${pkg}"`));
    if (uses('@nestjs/platform-fastify')) return '@nestjs/platform-fastify';
    if (uses('@nestjs/platform-express')) return '@nestjs/platform-express';
  } catch {
    // no dist/
  }
  return 'unknown';
}

function git(root: string, args: string): string | null {
  try {
    return execSync(`git ${args}`, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export function machineInfo(root: string, postgresServer: string, databaseKind: string) {
  const adapter = adapterInUse(root);
  return {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    kernel: release(),
    node: process.version,
    postgresServer,
    database: databaseKind,
    gitCommit: git(root, 'rev-parse HEAD'),
    gitDirty: git(root, 'status --porcelain') !== '',
    packages: {
      '@nestjs/core': versionOf(root, '@nestjs/core'),
      platformAdapter: adapter,
      [adapter]: versionOf(root, adapter),
      typeorm: versionOf(root, 'typeorm'),
      pg: versionOf(root, 'pg'),
      jsonwebtoken: versionOf(root, 'jsonwebtoken'),
      autocannon: versionOf(root, 'autocannon'),
    },
  };
}

export function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}
