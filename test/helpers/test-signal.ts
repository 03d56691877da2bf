/**
 * An AbortSignal per test, aborted as soon as the test ends — passed, failed or timed out. Jest moves
 * on to the next test when one times out but cannot stop its promise: loops and requests started by
 * the test check this signal so they stop before the next test starts (a timed-out fuzz loop that
 * kept writing once broke the next test's snapshot). Call at describe level.
 */
export function abortedWhenTestEnds(): () => AbortSignal {
  let controller = new AbortController();
  beforeEach(() => {
    controller = new AbortController();
  });
  afterEach(() => controller.abort(new Error('the test ended (timed out or failed) before this work finished')));
  return () => controller.signal;
}
