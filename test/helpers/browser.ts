import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Flags for a root, headless, offline Chromium. Without the background-networking flags Chromium
 * keeps trying hosts this machine cannot reach.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox', // tests run as root in CI
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-zygote',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/**
 * Which Chromium to drive: CHROMIUM_PATH when set, else Debian's /usr/bin/chromium when installed, else
 * the build shipped inside the `@sparticuz/chromium` npm package (a devDependency, so `npm ci` is all a
 * new machine needs), unpacked once per machine and package version into the temp folder.
 */
export function chromiumExecutable(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return unpackedSparticuzChromium();
  } catch (error) {
    throw new Error(
      'No Chromium for the browser tests: run `npm ci` (it installs @sparticuz/chromium), or set CHROMIUM_PATH ' +
        `to a Chromium binary. Unpacking @sparticuz/chromium failed: ${(error as Error).message}`,
    );
  }
}

/**
 * The package unpacks its binary, libraries and fonts into os.tmpdir() and reuses whatever is there, so
 * two processes unpacking at once could start a half-written binary. Each unpacks into a private
 * folder instead (TMPDIR of a child process) and renames it into place: the rename is atomic, the
 * first one wins and the others use it. The package is ESM-only, which jest's CommonJS sandbox cannot
 * load: a plain Node child process does the unpacking.
 */
function unpackedSparticuzChromium(): string {
  const pkg = join(process.cwd(), 'node_modules', '@sparticuz', 'chromium', 'package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
  const target = join(tmpdir(), `scs-sparticuz-chromium-${version}`);
  const binary = join(target, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(join(tmpdir(), 'scs-sparticuz-unpack-'));
  try {
    const unpacked = execFileSync(
      process.execPath,
      ['-e', "import('@sparticuz/chromium').then(async (m) => console.log(await m.default.executablePath()))"],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TMPDIR: staging } },
    ).trim();
    if (unpacked !== join(staging, 'chromium')) throw new Error(`unpacked to ${unpacked}, not into ${staging}`);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process renamed its copy into place first: use that one.
      if (!existsSync(binary)) throw error;
    }
    return binary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface HeadlessBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a throw-away profile that can reach only `allowedOrigin`: every other
 * request the page makes is aborted, so a test never depends on (or leaks to) the network.
 */
export async function launchHeadlessBrowser(allowedOrigin: string): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'scs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumExecutable(),
    headless: true,
    args: CHROMIUM_ARGS,
  });
  await context.route(
    (url) => url.origin !== allowedOrigin,
    (route) => route.abort(),
  );
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
