import { paymentsSyncConfig } from './payments-sync.config';

describe('paymentsSyncConfig', () => {
  it('has bounded defaults: sweeps hourly, 50 pages a run, 2000 Stripe calls a sync', () => {
    const problems: string[] = [];
    const config = paymentsSyncConfig.parse({}, problems);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      workers: 2,
      pollMs: 2000,
      retryDelayMs: 30_000,
      sweepIntervalMs: 3_600_000,
      syncMaxPagesPerRun: 50,
      syncMaxStripeCalls: 2000,
      sweepLookbackMs: 3 * 86_400_000,
    });
  });

  it('switches sweeps off with 0 or off, and allows an enqueue-only instance', () => {
    for (const off of ['0', 'off', 'OFF']) {
      expect(paymentsSyncConfig.parse({ PAYMENTS_SWEEP_INTERVAL: off }, []).sweepIntervalMs).toBeNull();
    }
    expect(paymentsSyncConfig.parse({ PAYMENTS_JOB_WORKERS: '0' }, []).workers).toBe(0);
  });

  it('names every bad value', () => {
    const problems: string[] = [];
    paymentsSyncConfig.parse(
      {
        PAYMENTS_JOB_WORKERS: '-1',
        PAYMENTS_JOB_POLL_INTERVAL: 'soon',
        PAYMENTS_JOB_STRIPE_RATE: '1000',
        PAYMENTS_SYNC_MAX_PAGES_PER_RUN: '0',
        PAYMENTS_SWEEP_INTERVAL: '1 week',
      },
      problems,
    );
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'PAYMENTS_JOB_POLL_INTERVAL',
      'PAYMENTS_JOB_WORKERS',
      'PAYMENTS_JOB_STRIPE_RATE',
      'PAYMENTS_SYNC_MAX_PAGES_PER_RUN',
      'PAYMENTS_SWEEP_INTERVAL',
    ]);
  });
});
