import { relative, sep } from 'node:path';
import Sequencer from '@jest/test-sequencer';

/**
 * Rough seconds each of the longest files takes on a quiet 2-core machine, for runs with no jest cache
 * yet (a fresh clone, CI): jest then orders files by size, and a short file that runs long (the browser
 * test) would start last and hold up the end of the run on one worker. Once the cache knows how long
 * each file took, those durations are used instead. Only the order depends on these figures.
 */
const ESTIMATED_SECONDS = {
  'test/swagger-ui.e2e-spec.ts': 50,
  'test/generated-clients.e2e-spec.ts': 30,
  'test/database-deadlines.e2e-spec.ts': 25,
  'test/memory-floods.e2e-spec.ts': 25,
  'test/stripe-health-scheduler.e2e-spec.ts': 22,
  'test/key-rotation.e2e-spec.ts': 20,
  'test/readme-walkthrough.e2e-spec.ts': 18,
  'test/audit-log.e2e-spec.ts': 16,
  'test/account-abuse.e2e-spec.ts': 15,
  'test/startup-errors.e2e-spec.ts': 15,
  'test/payments-sync.e2e-spec.ts': 14,
  'test/database-restarts.e2e-spec.ts': 14,
  'test/webhook-project-share.e2e-spec.ts': 13,
  'test/payments-ledger.e2e-spec.ts': 12,
  'test/stripe-local.e2e-spec.ts': 12,
  'test/graceful-shutdown.e2e-spec.ts': 12,
};

/** Failed last time first (as jest does), then the longest first: cached duration, else the estimate. */
export default class HeavyFirstSequencer extends Sequencer {
  sort(tests) {
    // jest's own order sets test.duration from its cache; files of equal weight keep that order.
    const ordered = super.sort([...tests]);
    const position = new Map(ordered.map((test, index) => [test, index]));
    const weight = (test) => {
      if (test.duration != null) return test.duration;
      const estimate = ESTIMATED_SECONDS[relative(test.context.config.rootDir, test.path).split(sep).join('/')];
      return estimate === undefined ? -1 : estimate * 1000;
    };
    return ordered.sort(
      (a, b) =>
        Number(this.hasFailed(b)) - Number(this.hasFailed(a)) ||
        weight(b) - weight(a) ||
        position.get(a) - position.get(b),
    );
  }
}
