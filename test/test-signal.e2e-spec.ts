import { abortedWhenTestEnds } from './helpers/test-signal';

/** The helper that stops a test's leftover work (a timed-out fuzz loop) before the next test starts. */
describe('abortedWhenTestEnds (test helper)', () => {
  const testSignal = abortedWhenTestEnds();
  let previous: AbortSignal | undefined;

  it('gives the running test a signal that is not aborted', () => {
    previous = testSignal();
    expect(previous.aborted).toBe(false);
  });

  it("has aborted the previous test's signal before this test starts, and gives this one a fresh one", () => {
    expect(previous?.aborted).toBe(true);
    expect(() => previous?.throwIfAborted()).toThrow(/the test ended/);
    expect(testSignal().aborted).toBe(false);
  });
});
