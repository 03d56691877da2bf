/**
 * `npm run bench -- --node 24` (or BENCH_NODE=24): run the service and the floor on another Node.js.
 * The binary comes from the npm registry's `node-<platform>-<arch>` package (a plain tarball with
 * bin/node, no install script), installed once with npm into `.data/node/<spec>/`: no system install.
 * A path to a node executable is taken as it is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function resolveNodeBinary(spec: string | undefined, workDir: string): string {
  if (!spec) return process.execPath;
  if (spec.includes('/')) {
    if (!existsSync(spec)) throw new Error(`--node ${spec}: no such file`);
    return spec;
  }
  if (!/^\d+(\.\d+){0,2}$/.test(spec)) throw new Error(`--node must be a version (24, 22.12) or a path, got "${spec}"`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = join(workDir, '..', 'node', spec);
  const binary = join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(binary)) {
    console.log(`Installing ${pkg}@${spec} from the npm registry into ${prefix}`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `${pkg}@${spec}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  return binary;
}

/** `v24.11.1` of a node binary. */
export function nodeVersionOf(binary: string): string {
  return execFileSync(binary, ['--version']).toString().trim();
}
