import type StripeSdk from 'stripe';

export type { StripeSdk };

let loaded: typeof StripeSdk | undefined;

/**
 * The `stripe` package, loaded on first use instead of at start-up: loading it is a large share of
 * the start-up time (docs/benchmarks.md), and nothing needs it before the
 * service is ready (the first key check, webhook delivery or health check loads it).
 */
export function stripeSdk(): typeof StripeSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  loaded ??= require('stripe') as typeof StripeSdk;
  return loaded;
}
