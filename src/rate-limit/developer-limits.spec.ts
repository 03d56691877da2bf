import { DeveloperLimits } from './developer-limits';

const limits = {
  maxConcurrentWrites: 2,
  maxWriteBytesInFlight: 1000,
  maxConcurrentListings: 1,
  maxConcurrentEventReads: 1,
  bytesPerSecond: 0,
};

describe('DeveloperLimits', () => {
  it('gives each developer its own slots of each kind', () => {
    const l = new DeveloperLimits(limits);
    expect(l.tryAcquire('write', 'a')).toBeDefined();
    expect(l.tryAcquire('write', 'a')).toBeDefined();
    expect(l.tryAcquire('write', 'a')).toBeUndefined();
    // Another developer, another kind: untouched by a's writes.
    expect(l.tryAcquire('write', 'b')).toBeDefined();
    expect(l.tryAcquire('listing', 'a')).toBeDefined();
    expect(l.tryAcquire('listing', 'a')).toBeUndefined();
    expect(l.tryAcquire('event-read', 'a')).toBeDefined();
    expect(l.inFlightOf('write', 'a')).toEqual({ count: 2, bytes: 0 });
  });

  it('gives a slot back once, however often its release is called', () => {
    const l = new DeveloperLimits(limits);
    const release = l.tryAcquire('listing', 'a');
    release?.();
    release?.();
    expect(l.inFlightOf('listing', 'a')).toEqual({ count: 0, bytes: 0 });
    expect(l.tryAcquire('listing', 'a')).toBeDefined();
    expect(l.tryAcquire('listing', 'a')).toBeUndefined();
  });

  it("bounds a developer's write bytes in flight, but always lets in a write when none is in flight", () => {
    const l = new DeveloperLimits(limits);
    const big = l.tryAcquire('write', 'a', 5000);
    expect(big).toBeDefined();
    expect(l.tryAcquire('write', 'a', 1)).toBeUndefined();
    big?.();
    expect(l.tryAcquire('write', 'a', 600)).toBeDefined();
    expect(l.tryAcquire('write', 'a', 500)).toBeUndefined();
    expect(l.tryAcquire('write', 'a', 400)).toBeDefined();
    expect(l.inFlightOf('write', 'a')).toEqual({ count: 2, bytes: 1000 });
  });

  it('switches a limit off with 0', () => {
    const l = new DeveloperLimits({ ...limits, maxConcurrentListings: 0, maxWriteBytesInFlight: 0 });
    for (let i = 0; i < 10; i += 1) expect(l.tryAcquire('listing', 'a')).toBeDefined();
    expect(l.tryAcquire('write', 'a', 10_000)).toBeDefined();
    expect(l.tryAcquire('write', 'a', 10_000)).toBeDefined();
    expect(l.tryAcquire('write', 'a', 1)).toBeUndefined();
  });

  describe('bytes per second', () => {
    let now = 0;
    const clock = () => now;
    beforeEach(() => {
      now = 1_000_000;
    });

    it('lets a developer in while its bucket is not owed, charges in full, and tells how long it owes', () => {
      const l = new DeveloperLimits({ ...limits, bytesPerSecond: 1000 }, clock);
      expect(l.bytesWaitSeconds('a')).toBe(0);
      l.charge('a', 600);
      expect(l.bytesWaitSeconds('a')).toBe(0);
      // Larger than what is left: let in whole, then owed.
      l.charge('a', 2900);
      expect(l.bytesWaitSeconds('a')).toBe(3);
      expect(l.bytesWaitSeconds('b')).toBe(0);
      now += 2000;
      expect(l.bytesWaitSeconds('a')).toBe(1);
      now += 1000;
      expect(l.bytesWaitSeconds('a')).toBe(0);
      // Refilled to one second's bytes, no more.
      now += 60_000;
      l.charge('a', 1000);
      expect(l.bytesWaitSeconds('a')).toBe(1);
    });

    it('is off with 0', () => {
      const l = new DeveloperLimits(limits, clock);
      l.charge('a', 1e12);
      expect(l.bytesWaitSeconds('a')).toBe(0);
    });
  });
});
