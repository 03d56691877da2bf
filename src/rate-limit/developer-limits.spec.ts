import { DeveloperLimits } from './developer-limits';

const limits = {
  maxConcurrentWrites: 2,
  maxWriteBytesInFlight: 1000,
  maxConcurrentListings: 1,
  maxConcurrentEventReads: 1,
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
});
