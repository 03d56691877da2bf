import { eventIdOf } from './webhook-delivery-confirmer';
import { CLIENT_SKETCH_SIZE, clientHash, mergeSketch, sketchCount } from './webhook-failures';

describe('reading an unverified delivery', () => {
  it('takes the event id only where Stripe puts it, in its form, from the first bytes', () => {
    expect(eventIdOf(Buffer.from('{\n  "id": "evt_1AbC",\n  "object": "event"}'))).toBe('evt_1AbC');
    expect(eventIdOf(Buffer.from('{"id":"evt_x"}'))).toBe('evt_x');
    expect(eventIdOf(Buffer.from('{"object":"event","id":"evt_1AbC"}'))).toBeNull();
    expect(eventIdOf(Buffer.from('{"id":"evt_a/../b"}'))).toBeNull();
    expect(eventIdOf(Buffer.from('{"id":"ch_1AbC"}'))).toBeNull();
    expect(eventIdOf(Buffer.from(`{"id":"evt_${'a'.repeat(256)}"}`))).toBeNull();
    expect(eventIdOf(Buffer.from(`${' '.repeat(400)}{"id":"evt_a"}`))).toBeNull();
    expect(eventIdOf(undefined)).toBeNull();
  });
});

describe('distinct client addresses (k-minimum-values sketch)', () => {
  const sketchOf = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => [clientHash(`10.0.${(from + i) >> 8}.${(from + i) & 255}`)]).reduce(
      (s, h) => mergeSketch(s, h),
      [] as number[],
    );

  it('is exact below its size, and never holds more than its size', () => {
    expect(sketchCount(sketchOf(10))).toEqual({ count: 10, exact: true });
    expect(sketchCount(mergeSketch(sketchOf(10), sketchOf(10)))).toEqual({ count: 10, exact: true });
    expect(sketchOf(5000)).toHaveLength(CLIENT_SKETCH_SIZE);
  });

  it('estimates large counts within a few tens of percent', () => {
    const { count, exact } = sketchCount(sketchOf(5000));
    expect(exact).toBe(false);
    expect(count).toBeGreaterThan(5000 * 0.5);
    expect(count).toBeLessThan(5000 * 1.5);
  });
});
