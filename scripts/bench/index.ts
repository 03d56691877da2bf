/**
 * `npm run bench`: the service against a bare node:http "floor" on the same database, in
 * alternating rounds (floor, service, floor, service...), medians reported. See docs/benchmarks.md.
 *
 * Steps: database → service (migrates) → seed through the API → start-up timings → service and floor
 * instances → bodies checked identical → warm-up + measured runs per case → table, targets; then the
 * payments ledger's figures (ledger.ts) → tenant flood (tenant-flood.ts) → JSON. `BENCH_CASES` selects
 * cases (`ledger` or `tenant-flood` alone skips the floor).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import ts from 'typescript';
import { freePort } from '../../src/common/free-port';
import { provisionDatabase, type BenchDatabase } from './database';
import { nodeVersionOf, resolveNodeBinary } from './node-binary';
import { runLoad, type LoadTarget, type RunSample } from './load';
import { readOptions, type BenchOptions } from './options';
import { killAllNow, memoryOf, startNode, stop, stopAll, waitReady, type Child } from './processes';
import {
  caseResult,
  evaluateTargets,
  machineInfo,
  mb,
  printTable,
  printTargets,
  writeJson,
  type CaseResult,
  type Startup,
} from './report';
import { fakeKey } from '../../test/helpers/fixtures';
import { runLedgerBench, type LedgerReport } from './ledger';
import { runTenantFlood, type TenantFloodResult } from './tenant-flood';
import { seed, type Seeded } from './seed';
import { median, type Target } from './stats';

const us = (value: number): string => value.toFixed(0);

const ROOT = join(__dirname, '..', '..');
const READY_PATH = '/api/v1/health/database';
const PUBLIC_BASE_URL = 'https://bench.example.com';

interface Secrets {
  JWT_SECRET: string;
  ENCRYPTION_KEYS: string;
}

/** The pool size the built service uses, so that the floor gets the same (falls back to 10). */
function servicePoolSize(): number {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildDataSourceOptions } = require(join(ROOT, 'dist/database/data-source-options.js')) as {
      buildDataSourceOptions(url: string, options: { entities: [] }): { extra?: { max?: number } };
    };
    return buildDataSourceOptions('postgres://localhost/x', { entities: [] }).extra?.max ?? 10;
  } catch {
    console.warn('Could not read the service pool size from dist/; the floor uses 10');
    return 10;
  }
}

/** The floor runs under plain `node`: transpile it once (types only stripped; imports stay as they are). */
function buildFloor(workDir: string): string {
  const source = readFileSync(join(__dirname, 'floor-server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  // .data/bench/ is two levels below the root like scripts/bench/, so relative requires still resolve.
  const file = join(workDir, 'floor-server.js');
  writeFileSync(file, outputText);
  return file;
}

/**
 * The node flags of the production command (`npm run start:prod`, e.g. heap limits), so that the
 * benchmark runs the service exactly as it is deployed.
 */
function productionNodeArgs(serviceDir: string): string[] {
  const scripts = (
    JSON.parse(readFileSync(join(serviceDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }
  ).scripts;
  const words = (scripts?.['start:prod'] ?? '').split(/\s+/);
  const node = words.indexOf('node');
  const main = words.indexOf('dist/main.js');
  return node >= 0 && main > node ? words.slice(node + 1, main) : [];
}

async function startService(name: string, db: BenchDatabase, secrets: Secrets, opts: BenchOptions): Promise<Child> {
  const port = await freePort();
  return startNode(
    name,
    join(opts.serviceDir, 'dist/main.js'),
    {
      ...process.env,
      ...secrets,
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      PUBLIC_BASE_URL,
      JWT_EXPIRES_IN: '24h',
      DATA_DIR: opts.workDir,
    },
    port,
    join(opts.workDir, `${name}.log`),
    [...productionNodeArgs(opts.serviceDir), ...opts.serviceNodeArgs],
    opts.nodeBinary,
  );
}

async function startFloor(name: string, script: string, db: BenchDatabase, secrets: Secrets, opts: BenchOptions) {
  const port = await freePort();
  return startNode(
    name,
    script,
    {
      ...process.env,
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: secrets.JWT_SECRET,
      PUBLIC_BASE_URL,
      FLOOR_POOL_SIZE: String(servicePoolSize()),
      BENCH_DIST_DIR: join(ROOT, 'dist'),
    },
    port,
    join(opts.workDir, `${name}.log`),
    [],
    opts.nodeBinary,
  );
}

/** Spawn → first 200 from the readiness probe, with the schema already migrated. */
async function measureStartup(db: BenchDatabase, secrets: Secrets, opts: BenchOptions): Promise<Startup> {
  const runsMs: number[] = [];
  for (let i = 0; i < opts.startupRuns; i++) {
    const t0 = performance.now();
    const child = await startService(`startup-${i + 1}`, db, secrets, opts);
    await waitReady(child, READY_PATH, 60_000, 10);
    runsMs.push(performance.now() - t0);
    await stop(child);
  }
  return { runsMs, medianMs: median(runsMs), minMs: Math.min(...runsMs), maxMs: Math.max(...runsMs) };
}

async function body(url: string, token: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  return { status: res.status, text: await res.text() };
}

/** The floor must answer exactly what the service answers; otherwise the comparison means nothing. */
async function checkSameAnswers(floor: Child, service: Child, seeded: Seeded): Promise<void> {
  const api = '/api/v1/payments/stripe/projects/';
  const sample = [0, Math.floor(seeded.projectIds.length / 2), seeded.projectIds.length - 1];
  for (const path of sample.flatMap((i) => [
    `${api}${seeded.projectIds[i]}/config`,
    `${api}${seeded.projectIds[i]}/webhook-urls`,
  ])) {
    const [f, s] = await Promise.all([body(floor.url + path, seeded.token), body(service.url + path, seeded.token)]);
    if (f.status !== 200 || s.status !== 200 || f.text !== s.text)
      throw new Error(
        `floor and service differ on GET ${path}:\n  floor   ${f.status} ${f.text}\n  service ${s.status} ${s.text}`,
      );
  }
  // PUT: the same masked value comes back (the service also bumps version and timestamps; the floor does not).
  const path = `${api}${seeded.projectIds[0]}/config`;
  const put = JSON.stringify({ test_publishable_key: fakeKey('pk_test_') });
  const s = await body(service.url + path, seeded.token, { method: 'PUT', body: put });
  const f = await body(floor.url + path, seeded.token, { method: 'PUT', body: put });
  const masked = (t: string) => (JSON.parse(t) as { test_publishable_key_masked?: string }).test_publishable_key_masked;
  if (f.status !== 200 || s.status !== 200 || masked(f.text) !== masked(s.text))
    throw new Error(
      `floor and service differ on PUT ${path}:\n  floor   ${f.status} ${f.text}\n  service ${s.status} ${s.text}`,
    );
  const unauthenticated = await Promise.all([fetch(floor.url + path), fetch(service.url + path)]);
  if (unauthenticated.some((r) => r.status !== 401))
    throw new Error('floor and service must both answer 401 without a token');
}

interface FloorRun {
  startup: Startup;
  servicePeakRssBytes: number;
  serviceVmHwmBytes: number[];
  cases: CaseResult[];
  targets: Target[];
}

/** Steps 2 to 5: start-up, then the floor and the service in alternating rounds, the table and the targets. */
async function compareWithFloor(
  db: BenchDatabase,
  secrets: Secrets,
  opts: BenchOptions,
  seeded: Seeded,
  floorScript: string,
): Promise<FloorRun> {
  console.log(
    `Service command: node ${[...productionNodeArgs(opts.serviceDir), 'dist/main.js'].join(' ')} (from start:prod)`,
  );
  // 2. Start-up to ready, schema already migrated.
  const startup = await measureStartup(db, secrets, opts);
  console.log(
    `Start-up to ready: median ${startup.medianMs.toFixed(0)} ms (${startup.runsMs.map((m) => m.toFixed(0)).join(', ')})`,
  );

  // 3. The measured processes, all idle while the other side is loaded.
  const services: Child[] = [];
  const floors: Child[] = [];
  for (let i = 1; i <= opts.instances; i++) {
    services.push(await startService(`service-${i}`, db, secrets, opts));
    floors.push(await startFloor(`floor-${i}`, floorScript, db, secrets, opts));
  }
  await Promise.all([...services.map((c) => waitReady(c, READY_PATH)), ...floors.map((c) => waitReady(c, '/health'))]);
  await checkSameAnswers(floors[0], services[0], seeded);
  console.log('Floor and service answer byte-identical bodies (GET config, GET webhook-urls) and the same PUT mask');

  const sides: Record<'floor' | 'service', LoadTarget> = {
    floor: { urls: floors.map((c) => c.url), pids: floors.map((c) => c.pid) },
    service: { urls: services.map((c) => c.url), pids: services.map((c) => c.pid) },
  };
  const samples = new Map<string, Record<'floor' | 'service', RunSample[]>>();
  const perRun = opts.warmupSeconds + opts.durationSeconds;
  const total = opts.rounds * opts.cases.length * opts.connections.length * 2 * perRun;
  console.log(
    `Load: ${opts.rounds} round(s) × ${opts.cases.length} cases × ${opts.connections.join('/')} connections × floor+service, ` +
      `${opts.warmupSeconds} s warm-up + ${opts.durationSeconds} s each, ${opts.instances} instance(s): about ${Math.ceil(total / 60)} min`,
  );
  // 4. Rounds: in each, every case runs on the floor then on the service, so drift hits both alike.
  for (let round = 1; round <= opts.rounds; round++) {
    for (const kind of opts.cases) {
      for (const connections of opts.connections) {
        const key = `${kind}@${connections}`;
        if (!samples.has(key)) samples.set(key, { floor: [], service: [] });
        for (const side of ['floor', 'service'] as const) {
          const auth = { token: seeded.token, projectIds: seeded.projectIds };
          await runLoad(sides[side], kind, connections, opts.warmupSeconds, auth);
          const sample = await runLoad(sides[side], kind, connections, opts.durationSeconds, auth);
          samples.get(key)?.[side].push(sample);
          const flag =
            sample.non2xx || sample.errors || sample.timeouts
              ? `  !! non-2xx ${sample.non2xx}, errors ${sample.errors}, timeouts ${sample.timeouts}`
              : '';
          console.log(
            `  round ${round} ${key.padEnd(22)} ${side.padEnd(7)} ${sample.reqPerSec.toFixed(0).padStart(6)} req/s  ` +
              `p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms  ` +
              `rss ${sample.peakRss.map((b) => mb(b)).join('+')} MB  ` +
              `µs main ${us(sample.cpuSplitUsPerResponse.mainUser)}+${us(sample.cpuSplitUsPerResponse.mainSys)} ` +
              `other ${us(sample.cpuSplitUsPerResponse.otherUser)}+${us(sample.cpuSplitUsPerResponse.otherSys)}${flag}`,
          );
        }
      }
    }
  }
  const hwm = services.map((c) => memoryOf(c.pid)?.hwm ?? NaN);

  // 5. Report.
  const cases: CaseResult[] = [];
  for (const kind of opts.cases)
    for (const connections of opts.connections) {
      const s = samples.get(`${kind}@${connections}`);
      if (s) cases.push(caseResult(kind, connections, s.floor, s.service));
    }
  const servicePeakRss = Math.max(...cases.flatMap((c) => c.service.peakRss));
  console.log('');
  printTable(cases, opts.rounds);
  console.log(
    `Service peak VmRSS under load: ${mb(servicePeakRss)} MB; VmHWM (since start) per instance: ` +
      `${hwm.map((b) => mb(b)).join(' + ')} MB`,
  );
  const targets = opts.instances === 1 ? evaluateTargets(cases, servicePeakRss, startup) : [];
  if (opts.instances === 1) printTargets(targets, opts.quick ? 'BENCH_QUICK run: too short to judge by' : undefined);
  else console.log('\nTargets are defined for one instance; not evaluated for this two-instance run.');
  for (const child of [...services, ...floors]) await stop(child);
  return { startup, servicePeakRssBytes: servicePeakRss, serviceVmHwmBytes: hwm, cases, targets };
}

async function main(): Promise<void> {
  const opts = readOptions();
  mkdirSync(opts.workDir, { recursive: true });
  const floorScript = buildFloor(opts.workDir);
  opts.nodeBinary = resolveNodeBinary(opts.node, opts.workDir);
  const nodeVersion = nodeVersionOf(opts.nodeBinary);
  console.log(`Node.js of the service and the floor: ${nodeVersion} (${opts.nodeBinary})`);
  const secrets: Secrets = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };

  console.log(
    `Database: ${process.env.DATABASE_URL ? 'a fresh database on DATABASE_URL' : 'throw-away embedded PostgreSQL'}`,
  );
  const db = await provisionDatabase(ROOT);
  let cleanedUp = false;
  const cleanup = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    await stopAll();
    await db.drop().catch((e: unknown) => console.warn(`Could not remove the bench database: ${String(e)}`));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  process.once('exit', killAllNow);

  try {
    // 1. First start applies the migrations; seed through it, then stop it.
    const seeder = await startService('service-seed', db, secrets, opts);
    await waitReady(seeder, READY_PATH, 120_000, 50);
    const t0 = performance.now();
    const seeded = await seed(seeder.url, opts.projects);
    console.log(
      `Seeded 1 developer, ${opts.projects} projects with full configs in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    await stop(seeder);

    let floorRun: FloorRun | undefined;
    if (opts.cases.length > 0) floorRun = await compareWithFloor(db, secrets, opts, seeded, floorScript);

    // 6. The payments ledger's figures, on a service instance of its own (the others are stopped).
    let ledger: LedgerReport | undefined;
    if (opts.ledger) {
      const service = await startService('service-ledger', db, secrets, opts);
      await waitReady(service, READY_PATH);
      ledger = await runLedgerBench(service, db.url, seeded, opts);
      await stop(service);
      printTargets(
        ledger.targets,
        opts.quick ? 'BENCH_QUICK run: too short to judge by' : undefined,
        `LEDGER TARGETS (one instance, ${ledger.connections} connections)`,
      );
    }

    // 7. Tenant flood: another developer's latency while one floods, on a service instance of its own.
    let tenantFlood: TenantFloodResult | undefined;
    if (opts.tenantFlood) {
      const service = await startService('service-flood', db, secrets, opts);
      await waitReady(service, READY_PATH);
      console.log(`\nTenant flood (one instance): ${opts.durationSeconds} s per phase`);
      tenantFlood = await runTenantFlood(service.url, opts.durationSeconds);
      await stop(service);
    }

    const info = { ...machineInfo(ROOT, db.serverVersion, db.kind), node: nodeVersion };
    writeJson(opts.outFile, {
      ...info,
      options: { ...opts, outFile: undefined, workDir: undefined },
      servicePoolSize: servicePoolSize(),
      ...floorRun,
      ledger,
      tenantFlood,
    });
    console.log(`\nFigures written to ${opts.outFile}; child logs in ${opts.workDir}`);
    await cleanup();
    const targets = [...(floorRun?.targets ?? []), ...(ledger?.targets ?? [])];
    if (opts.strict && targets.some((t) => t.pass === false)) process.exitCode = 1;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
