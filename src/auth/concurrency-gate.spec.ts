import { HttpStatus } from '@nestjs/common';
import { RetryLaterException } from '../http/retry-later.exception';
import { ConcurrencyGate } from './concurrency-gate';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ConcurrencyGate', () => {
  it('runs at most `concurrency` tasks, queues up to `maxWaiting`, refuses the rest at once with 503 + Retry-After', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxWaiting: 1, maxWaitMs: 10_000 });
    const first = deferred();
    const order: string[] = [];
    const running = gate.run(async () => {
      order.push('first');
      await first.promise;
    });
    const queued = gate.run(async () => {
      order.push('second');
    });
    const refused = gate.run(async () => order.push('third'));
    await expect(refused).rejects.toBeInstanceOf(RetryLaterException);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1 });
    await expect(refused.catch((e: RetryLaterException) => e.getStatus())).resolves.toBe(
      HttpStatus.SERVICE_UNAVAILABLE,
    );
    expect(order).toEqual(['first']);
    first.resolve();
    await running;
    await queued;
    expect(order).toEqual(['first', 'second']);
  });

  it('a waiter that waited `maxWaitMs` is refused and leaves the queue; the slot is not lost', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxWaiting: 5, maxWaitMs: 50 });
    const first = deferred();
    const running = gate.run(() => first.promise);
    await expect(gate.run(async () => 'late')).rejects.toBeInstanceOf(RetryLaterException);
    first.resolve();
    await running;
    await expect(gate.run(async () => 'next')).resolves.toBe('next');
  });
});
