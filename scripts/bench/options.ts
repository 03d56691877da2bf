/** What `npm run bench` does, from the environment (and `--instances N`, `--node V` on the command line). */
import { join } from 'node:path';
import { CASES, type CaseName } from './load';

export interface BenchOptions {
  /** Projects seeded for the one developer; each request picks one at random. */
  projects: number;
  /** Seconds of each measured run, and of the warm-up before it. */
  durationSeconds: number;
  warmupSeconds: number;
  /** Floor, service, floor, service...: one floor and one service run per case and round. */
  rounds: number;
  connections: number[];
  /** Service (and floor) processes, all on the same database; load is split evenly across them. */
  instances: number;
  /** Cold starts timed for "start-up to ready". */
  startupRuns: number;
  /** Exit non-zero when a target fails (by default the targets are only printed). */
  strict: boolean;
  quick: boolean;
  outFile: string;
  /** Logs of the children and the transpiled floor. */
  workDir: string;
  /** Checkout whose dist/main.js is benchmarked (default: this one); for before/after runs of older commits. */
  serviceDir: string;
  /** Node.js the service and the floor run on: a version (e.g. 24, from the npm registry) or a path; unset = this one. */
  node: string | undefined;
  /** Extra node flags for the service (BENCH_SERVICE_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
  serviceNodeArgs: string[];
  /** The floor-vs-service cases to run (BENCH_CASES), all by default. */
  cases: CaseName[];
  /** The payments ledger's figures (scripts/bench/ledger.ts): in BENCH_CASES as `ledger`, or by default. */
  ledger: boolean;
  /** The tenant flood (scripts/bench/tenant-flood.ts): in BENCH_CASES as `tenant-flood`, or by default. */
  tenantFlood: boolean;
  /** The binary `node` resolves to (set by index.ts; this process's own until then). */
  nodeBinary: string;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** The payments ledger's case and the tenant flood, which have no floor (ledger.ts, tenant-flood.ts). */
const LEDGER = 'ledger';
const TENANT_FLOOD = 'tenant-flood';

/**
 * BENCH_CASES: a comma-separated subset of the cases (e.g. `GET config`, or `ledger` or `tenant-flood`
 * alone), to profile one at a time.
 */
function selectCases(raw: string | undefined): { cases: CaseName[]; ledger: boolean; tenantFlood: boolean } {
  if (!raw) return { cases: [...CASES], ledger: true, tenantFlood: true };
  const wanted = raw.split(',').map((c) => c.trim());
  const known: readonly string[] = [...CASES, LEDGER, TENANT_FLOOD];
  const unknown = wanted.filter((c) => !known.includes(c));
  if (unknown.length) throw new Error(`BENCH_CASES: unknown case(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return {
    cases: CASES.filter((c) => wanted.includes(c)),
    ledger: wanted.includes(LEDGER),
    tenantFlood: wanted.includes(TENANT_FLOOD),
  };
}

export function readOptions(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): BenchOptions {
  const root = process.cwd();
  // BENCH_QUICK=1: a smoke run of the whole pipeline in about a minute; its figures mean little.
  const quick = env.BENCH_QUICK === '1' || argv.includes('--quick');
  const selected = selectCases(env.BENCH_CASES);
  // The ledger's figures or the tenant flood alone do not replace the full run's file.
  const defaultOut =
    selected.cases.length > 0 ? 'latest.json' : selected.ledger ? 'ledger-latest.json' : 'tenant-flood-latest.json';
  return {
    quick,
    // 200: the most projects one developer may own (MAX_PROJECTS_PER_DEVELOPER, default 200); every request picks one at random.
    projects: positiveInt('BENCH_PROJECTS', env.BENCH_PROJECTS, quick ? 100 : 200),
    durationSeconds: positiveInt('BENCH_DURATION', env.BENCH_DURATION, quick ? 2 : 10),
    warmupSeconds: positiveInt('BENCH_WARMUP', env.BENCH_WARMUP, quick ? 1 : 3),
    rounds: positiveInt('BENCH_ROUNDS', env.BENCH_ROUNDS, quick ? 1 : 3),
    connections: (env.BENCH_CONNECTIONS ?? '20,100').split(',').map((c) => positiveInt('BENCH_CONNECTIONS', c, 20)),
    instances: positiveInt('BENCH_INSTANCES', flag(argv, 'instances') ?? env.BENCH_INSTANCES, 1),
    startupRuns: positiveInt('BENCH_STARTUP_RUNS', env.BENCH_STARTUP_RUNS, quick ? 2 : 5),
    strict: env.BENCH_STRICT === '1',
    outFile: env.BENCH_OUT ?? join(root, 'docs', 'benchmarks', defaultOut),
    workDir: join(root, '.data', 'bench'),
    serviceDir: env.BENCH_SERVICE_DIR ?? root,
    node: flag(argv, 'node') ?? (env.BENCH_NODE || undefined),
    serviceNodeArgs: (env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    ...selected,
    nodeBinary: process.execPath,
  };
}
