// `npm run test:under-load [-- runs]`: runs `npm test` N times (default 5) while a CPU hog keeps every
// core busy, and reports each run's time and result. The hog is plain Node busy loops in child
// processes; they are stopped at the end, on failure and on Ctrl-C, and each also stops by itself
// when this script is gone.
import { fork, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

if (process.argv[2] === '--hog') {
  // Child: spin; every ~50 ms check that the parent is still there.
  const parent = process.ppid;
  for (;;) {
    const until = Date.now() + 50;
    while (Date.now() < until);
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
    if (process.ppid !== parent) process.exit(0);
  }
}

const runs = Number(process.argv[2] ?? process.env.RUNS ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: npm run test:under-load -- [runs, default 5]');
  process.exit(2);
}

const hogs = Array.from({ length: availableParallelism() }, () =>
  fork(new URL(import.meta.url).pathname, ['--hog'], { stdio: 'ignore' }),
);
const stopHogs = () => hogs.forEach((hog) => hog.exitCode === null && hog.kill('SIGKILL'));
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
console.log(`CPU hog: ${hogs.length} busy loops (one per core). Running npm test ${runs} time(s).`);

const results = [];
for (let i = 1; i <= runs; i += 1) {
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn('npm', ['test'], { stdio: 'inherit' });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
  const seconds = (Date.now() - started) / 1000;
  results.push({ run: i, seconds, passed: code === 0 });
  console.log(`\n== under load, run ${i}/${runs}: ${code === 0 ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)} s\n`);
}
stopHogs();

console.log('== test:under-load summary');
for (const r of results) console.log(`run ${r.run}: ${r.passed ? 'passed' : 'FAILED'} ${r.seconds.toFixed(1)} s`);
const failed = results.filter((r) => !r.passed).length;
console.log(failed ? `${failed} of ${runs} runs failed` : `all ${runs} runs passed`);
process.exit(failed ? 1 : 0);
