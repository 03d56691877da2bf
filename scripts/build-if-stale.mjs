// `npm start` builds only when needed: dist/ is rebuilt (nest build) when it is missing or when a
// source or build setting changed since it was built; otherwise start-up skips the ~30 s build.
// The check hashes file contents (not times), so a checkout of older files is caught too.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];
const STAMP = join('dist', '.sources.sha256');

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

const hash = createHash('sha256');
for (const file of INPUTS.flatMap(files)) hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
const digest = hash.digest('hex');

const built = existsSync(join('dist', 'main.dev.js')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest;
if (!built) {
  console.log('Building dist/ (first start, or the sources changed since the last build)...');
  const nest = join('node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  const result = spawnSync(process.execPath, [nest, 'build'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(STAMP, digest);
}
