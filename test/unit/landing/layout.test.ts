import { describe, expect, it } from 'vitest';
import { landingKeys, LayoutInputError, partitionDate } from '../../../src/landing/layout.ts';

describe('landingKeys', () => {
  it('builds the data and manifest keys of the shared layout', () => {
    expect(
      landingKeys({
        feed: 'retail-panel',
        scenario: 'high-intent',
        dt: '2026-05-01',
        generationId: 'gen_1',
        format: 'parquet',
      }),
    ).toEqual({
      outputKey:
        'synthetic/feed=retail-panel/scenario=high-intent/dt=2026-05-01/generation=gen_1/gen_1.parquet',
      manifestKey: '_manifests/feed=retail-panel/scenario=high-intent/dt=2026-05-01/gen_1.json',
      partitionPrefix: 'synthetic/feed=retail-panel/scenario=high-intent/dt=2026-05-01/generation=gen_1/',
    });
  });

  it.each([
    ['feed', { feed: 'a/b' }],
    ['scenario.name', { scenario: '../x' }],
    ['dt', { dt: '2026-5-1' }],
    ['generationId', { generationId: 'gen/1' }],
  ])('refuses an unsafe %s', (field, override) => {
    const input = {
      feed: 'f',
      scenario: 's',
      dt: '2026-05-01',
      generationId: 'g',
      format: 'csv' as const,
      ...override,
    };
    expect(() => landingKeys(input)).toThrow(LayoutInputError);
    expect(() => landingKeys(input)).toThrow(new RegExp(`^${field.replace('.', '\\.')}:`));
  });
});

describe('partitionDate', () => {
  it('is the UTC date of created_at', () => {
    expect(partitionDate('2026-05-01T23:59:59-02:00')).toBe('2026-05-02');
    expect(() => partitionDate('yesterday')).toThrow(/ISO-8601/);
  });
});
