/** The children of the harness (service and floor processes): start, wait until ready, sample RSS, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  url: string;
  logFile: string;
}

const running = new Set<Child>();

/**
 * Spawns `node <script>` (this Node.js unless `nodeBinary` names another); stdout/stderr go to a log file (request logs stay on, as in production, but
 * nobody has to parse them through a pipe).
 */
export function startNode(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  port: number,
  logFile: string,
  nodeArgs: string[] = [],
  nodeBinary: string = process.execPath,
): Child {
  const fd = openSync(logFile, 'a');
  const proc = spawn(nodeBinary, [...nodeArgs, script], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const child = { name, proc, pid: proc.pid, url: `http://127.0.0.1:${port}`, logFile };
  running.add(child);
  proc.once('exit', () => running.delete(child));
  return child;
}

function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Polls `url` every `intervalMs` until it answers 200; fails if the child exits or time runs out. */
export async function waitReady(child: Child, path: string, timeoutMs = 60_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null)
      throw new Error(`${child.name} exited (${child.proc.exitCode ?? child.proc.signalCode}); see ${child.logFile}`);
    if ((await statusOf(child.url + path)) === 200) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms; see ${child.logFile}`);
}

/** SIGTERM (both drain and exit), SIGKILL after `graceMs`. */
export function stop(child: Child, graceMs = 5000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
    child.proc.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.proc.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => stop(c)));
}

/** Last resort on an abrupt exit of the harness: no child may outlive it. */
export function killAllNow(): void {
  for (const child of running) child.proc.kill('SIGKILL');
}

/** VmRSS and VmHWM (peak RSS since start) of a process, in bytes, from /proc (Linux only). */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** User + system CPU time a process has used so far, in microseconds, from /proc (Linux only). */
export function cpuTimeUs(pid: number): number {
  try {
    const { user, sys } = userSysUs(`/proc/${pid}/stat`);
    return user + sys;
  } catch {
    return NaN;
  }
}

/** User and system CPU time from a /proc `stat` file (a process's or one thread's), in microseconds. */
function userSysUs(statFile: string): { user: number; sys: number } {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the stat file, in clock ticks (USER_HZ = 100 on Linux).
  return { user: Number(fields[11]) * 10_000, sys: Number(fields[12]) * 10_000 };
}

/**
 * CPU time of a process split by thread and mode, in microseconds: the main (JavaScript) thread's user
 * and system time, and the other threads' (V8's GC and compiler helpers, libuv's pool) together.
 * The main thread is what caps a one-process service's throughput.
 */
export function cpuSplitUs(pid: number): { mainUser: number; mainSys: number; otherUser: number; otherSys: number } {
  const split = { mainUser: 0, mainSys: 0, otherUser: 0, otherSys: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const { user, sys } = userSysUs(`/proc/${pid}/task/${tid}/stat`);
      if (tid === String(pid)) {
        split.mainUser += user;
        split.mainSys += sys;
      } else {
        split.otherUser += user;
        split.otherSys += sys;
      }
    }
  } catch {
    // the process is gone: what was read so far
  }
  return split;
}

/** Samples VmRSS of `pids` every `intervalMs` until stopped; returns the maximum seen per pid. */
export function sampleRss(pids: number[], intervalMs = 100): () => number[] {
  const peaks = pids.map(() => 0);
  const sample = () =>
    pids.forEach((pid, i) => {
      const rss = memoryOf(pid)?.rss;
      if (rss !== undefined && rss > peaks[i]) peaks[i] = rss;
    });
  sample();
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    return peaks;
  };
}
