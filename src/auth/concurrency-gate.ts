import { RetryLaterException } from '../http/retry-later.exception';

const SERVICE_BUSY_DETAIL = 'The service is busy, retry later.';

/**
 * Runs at most `concurrency` tasks at once; up to `maxWaiting` more wait (first come, first served)
 * for at most `maxWaitMs`. Beyond either bound: 503 "busy" with Retry-After, at once, instead of an
 * ever longer queue. Used for password hashing: scrypt runs on libuv's small thread pool (4 threads),
 * which a flood of hashes would otherwise fill for everyone (logins, file and DNS work).
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: { start: () => void }[] = [];

  constructor(private readonly limits: { concurrency: number; maxWaiting: number; maxWaitMs: number }) {}

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
    if (this.waiting.length >= this.limits.maxWaiting) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(busy());
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

function busy(): RetryLaterException {
  return new RetryLaterException(SERVICE_BUSY_DETAIL, 1);
}
