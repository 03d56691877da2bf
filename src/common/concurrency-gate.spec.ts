import { ConcurrencyGate, KeyedConcurrencyGates } from './concurrency-gate';

class Busy extends Error {}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ConcurrencyGate', () => {
  it('runs at most `concurrency` tasks, queues up to `maxWaiting`, refuses the rest at once with the given error', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxWaiting: 1, maxWaitMs: 10_000 }, () => new Busy());
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
    await expect(refused).rejects.toBeInstanceOf(Busy);
    expect(order).toEqual(['first']);
    expect(gate.idle).toBe(false);
    first.resolve();
    await running;
    await queued;
    expect(order).toEqual(['first', 'second']);
    expect(gate.idle).toBe(true);
  });

  it('a waiter that waited `maxWaitMs` is refused and leaves the queue; the slot is not lost', async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, maxWaiting: 5, maxWaitMs: 50 }, () => new Busy());
    const first = deferred();
    const running = gate.run(() => first.promise);
    await expect(gate.run(async () => 'late')).rejects.toBeInstanceOf(Busy);
    first.resolve();
    await running;
    await expect(gate.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('KeyedConcurrencyGates', () => {
  it("one key's full gate refuses only that key; idle keys are dropped", async () => {
    const gates = new KeyedConcurrencyGates({ concurrency: 1, maxWaiting: 1, maxWaitMs: 10_000 }, () => new Busy());
    const held = deferred();
    const a1 = gates.run('a', () => held.promise);
    const a2 = gates.run('a', async () => 'a2');
    await expect(gates.run('a', async () => 'a3')).rejects.toBeInstanceOf(Busy);
    await expect(gates.run('b', async () => 'b1')).resolves.toBe('b1');
    expect(gates.size).toBe(1);
    held.resolve();
    await a1;
    await expect(a2).resolves.toBe('a2');
    expect(gates.size).toBe(0);
  });
});
