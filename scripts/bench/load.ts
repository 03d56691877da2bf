/**
 * One load run with autocannon against one or more instances of a target (floor or service): random
 * project per request, latencies of every response recorded at full precision, peak RSS sampled.
 */
import type { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { fakeKey } from '../../test/helpers/fixtures';
import { cpuSplitUs, cpuTimeUs, sampleRss } from './processes';
import { percentileSorted } from './stats';

export const CASES = ['GET config', 'PUT config', 'GET webhook-urls'] as const;
export type CaseName = (typeof CASES)[number];

export interface LoadTarget {
  urls: string[];
  pids: number[];
}

export interface RunSample {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Peak VmRSS of each instance during the run, bytes. */
  peakRss: number[];
  /**
   * CPU time (user + system) the target's processes spent per response, µs: how much work a request
   * costs, a figure much less sensitive to a noisy neighbour than req/s.
   */
  cpuUsPerResponse: number;
  /** The same split by thread and mode (first instance only): main thread user/sys, other threads user/sys, µs per response. */
  cpuSplitUsPerResponse: { mainUser: number; mainSys: number; otherUser: number; otherSys: number };
}

function requestFor(kind: CaseName, projectIds: string[]): autocannon.Request {
  const pick = () => projectIds[Math.floor(Math.random() * projectIds.length)];
  const base = '/api/v1/payments/stripe/projects/';
  if (kind === 'PUT config') {
    return {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      // A partial update of one field, a new value each time.
      setupRequest: (req) => ({
        ...req,
        path: `${base}${pick()}/config`,
        body: JSON.stringify({ test_publishable_key: fakeKey('pk_test_') }),
      }),
    };
  }
  const suffix = kind === 'GET config' ? '/config' : '/webhook-urls';
  return { method: 'GET', setupRequest: (req) => ({ ...req, path: `${base}${pick()}${suffix}` }) };
}

function runOne(url: string, connections: number, seconds: number, request: autocannon.Request, token: string) {
  let instance: EventEmitter | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${token}` },
        requests: [request],
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => (err ? reject(err) : resolve(result)),
    ) as unknown as EventEmitter;
  });
  return { instance: instance as EventEmitter, done };
}

/**
 * `connections` are split evenly across the target's instances, one autocannon per instance, all at
 * once. req/s is the sum; p50/p99 are over the responses of all instances together.
 */
export function runLoad(
  target: LoadTarget,
  kind: CaseName,
  connections: number,
  seconds: number,
  auth: { token: string; projectIds: string[] },
): Promise<RunSample> {
  return runRequests(target, requestFor(kind, auth.projectIds), connections, seconds, auth.token);
}

/** As runLoad, for any request (its `setupRequest` may build each one: path, headers, body). */
export async function runRequests(
  target: LoadTarget,
  request: autocannon.Request,
  connections: number,
  seconds: number,
  token: string,
): Promise<RunSample> {
  const latencies: number[] = [];
  const per = Math.max(1, Math.floor(connections / target.urls.length));
  const stopSampling = sampleRss(target.pids);
  const cpuBefore = target.pids.reduce((acc, pid) => acc + cpuTimeUs(pid), 0);
  const splitBefore = cpuSplitUs(target.pids[0]);
  const started = performance.now();
  const runs = target.urls.map((url) => {
    const run = runOne(url, per, seconds, request, token);
    // autocannon emits (client, statusCode, bytes, responseTime in ms as a float); its own histogram
    // rounds to whole milliseconds, too coarse for ~1 ms latencies, so we keep every value.
    run.instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
    return run.done;
  });
  const results = await Promise.all(runs);
  const elapsed = (performance.now() - started) / 1000;
  const peakRss = stopSampling();
  const cpuUs = target.pids.reduce((acc, pid) => acc + cpuTimeUs(pid), 0) - cpuBefore;
  const splitAfter = cpuSplitUs(target.pids[0]);
  const perResponse = (key: keyof typeof splitAfter) =>
    (splitAfter[key] - splitBefore[key]) / Math.max(1, latencies.length / target.pids.length);
  const sorted = Float64Array.from(latencies).sort();
  const sum = (key: 'non2xx' | 'errors' | 'timeouts') => results.reduce((acc, r) => acc + r[key], 0);
  return {
    reqPerSec: latencies.length / elapsed,
    p50Ms: percentileSorted(sorted, 50),
    p99Ms: percentileSorted(sorted, 99),
    responses: latencies.length,
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    peakRss,
    cpuUsPerResponse: cpuUs / Math.max(1, latencies.length),
    cpuSplitUsPerResponse: {
      mainUser: perResponse('mainUser'),
      mainSys: perResponse('mainSys'),
      otherUser: perResponse('otherUser'),
      otherSys: perResponse('otherSys'),
    },
  };
}
