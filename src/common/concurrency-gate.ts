/** How many tasks run at once, how many more may wait, and for how long. */
interface ConcurrencyLimits {
  concurrency: number;
  maxWaiting: number;
  maxWaitMs: number;
}

/**
 * Runs at most `concurrency` tasks at once; up to `maxWaiting` more wait (first come, first served)
 * for at most `maxWaitMs`. Beyond either bound the task is refused with `refuse()` (the caller's
 * error, typically a 503 with Retry-After), at once, instead of an ever longer queue.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: { start: () => void }[] = [];

  constructor(
    private readonly limits: ConcurrencyLimits,
    private readonly refuse: () => Error,
  ) {}

  /** Nothing running and nothing waiting. */
  get idle(): boolean {
    return this.running === 0 && this.waiting.length === 0;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxWaiting) return Promise.reject(this.refuse());
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(this.refuse());
      }, this.limits.maxWaitMs);
      this.waiting.push(entry);
    });
  }

  /** The finished task's slot goes straight to the next waiter, if any. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running -= 1;
  }
}

/**
 * One ConcurrencyGate per key (a tenant's share of some work), with the same limits: made on first
 * use, dropped once idle, so only keys with work running or waiting take memory. One key's queue
 * never delays another key's tasks.
 */
export class KeyedConcurrencyGates {
  private readonly gates = new Map<string, ConcurrencyGate>();

  constructor(
    private readonly limits: ConcurrencyLimits,
    private readonly refuse: () => Error,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = new ConcurrencyGate(this.limits, this.refuse);
      this.gates.set(key, gate);
    }
    try {
      return await gate.run(task);
    } finally {
      if (gate.idle && this.gates.get(key) === gate) this.gates.delete(key);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.gates.size;
  }
}
