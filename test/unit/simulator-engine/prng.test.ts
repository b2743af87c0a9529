import { describe, expect, it } from 'vitest';
import { createRandom, largestRemainder } from '../../../simulator/engine/prng.ts';

describe('createRandom', () => {
  it('repeats the same stream for the same seed and differs for another', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(2 ** 31 - 1).every((u) => u >= 0 && u < 1)).toBe(true);
  });

  it('draws roughly standard normals and in-range integers', () => {
    const random = createRandom(1);
    const normals = Array.from({ length: 20_000 }, () => random.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const ints = Array.from({ length: 1000 }, () => random.int(3));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2]));
  });
});

describe('largestRemainder', () => {
  it('allocates exactly the total, proportionally, with zero weights getting nothing', () => {
    expect(largestRemainder(10, [0.55, 0.35, 0.1])).toEqual([6, 3, 1]);
    expect(largestRemainder(5000, [0.55, 0.35, 0.1])).toEqual([2750, 1750, 500]);
    expect(largestRemainder(1, [1, 1, 1])).toEqual([1, 0, 0]);
    expect(largestRemainder(7, [0, 2, 0, 1])).toEqual([0, 5, 0, 2]);
    expect(largestRemainder(7, [0, 0])).toEqual([0, 0]);
  });
});
