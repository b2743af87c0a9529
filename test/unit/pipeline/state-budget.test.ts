import { describe, expect, it } from 'vitest';
import { resolveConditions } from '../../../src/conditions/resolver.ts';
import type { Scenario } from '../../../src/conditions/scenario-file.ts';
import {
  STATE_PAYLOAD_QUOTA_BYTES,
  checkResolvedScenariosFit,
  checkScenarioFileFits,
  jsonBytes,
  resolvedScenarioBound,
} from '../../../src/pipeline/state-budget.ts';

function scenario(i: number, numericColumns: number, prefix = 'Metric'): Scenario {
  return {
    name: `s${i}`,
    row_count: 10,
    output_format: 'csv',
    conditions: {
      categorical: { 'Segment (tier)': { Premium: 1 } },
      numeric: Object.fromEntries(
        Array.from({ length: numericColumns }, (_, c) => [`${prefix} ${c} (units)`, { min: -1e9, max: 1e9 }]),
      ),
    },
  };
}

describe('the state budget', () => {
  it('measures UTF-8 bytes: three-byte characters count three times', () => {
    expect(jsonBytes('€€€')).toBe(11);
    expect('€€€'.length).toBe(3);
  });

  it('bounds a resolved scenario from above, clamps on both ends and all', () => {
    const s = scenario(1, 3);
    const schema = [
      { name: 'Segment..tier.', type: 'factor', levels: ['Premium', 'Value'] },
      ...[0, 1, 2].map((c) => ({
        name: `Metric.${c}..units.`,
        type: 'numeric',
        min: 0.1234567,
        max: 98.7654321,
      })),
    ];
    const r = resolveConditions(s, schema as never);
    expect(r.clamps).toHaveLength(6);
    const resolved = {
      scenario: s,
      conditions: r.conditions,
      requestedConditions: s.conditions,
      mappings: r.mappings,
      clamps: r.clamps,
      warnings: r.warnings,
      keyRunId: `ingest-${'x'.repeat(73)}`,
    };
    expect(jsonBytes(resolved)).toBeLessThanOrEqual(resolvedScenarioBound(s));
  });

  it('accepts 100 modest scenarios and refuses 100 wide ones before any vendor call, saying what fits', () => {
    expect(() =>
      checkScenarioFileFits(
        'feed',
        Array.from({ length: 100 }, (_, i) => scenario(i, 1)),
      ),
    ).not.toThrow();
    let message = '';
    try {
      checkScenarioFileFits(
        'feed',
        Array.from({ length: 100 }, (_, i) => scenario(i, 30)),
      );
    } catch (err) {
      message = (err as Error).message;
      expect(err).toMatchObject({ name: 'InputValidationError' });
    }
    expect(message).toMatch(/scenario_file_too_large|do not fit/);
    expect(message).toMatch(/About \d+ scenarios like these fit/);
    expect(message).toMatch(/no vendor training was started/);
  });

  it('refuses, after resolution, what the exact size does not fit (UTF-8, not UTF-16)', () => {
    const heavy = [{ scenario: { name: 's', note: '€'.repeat(STATE_PAYLOAD_QUOTA_BYTES / 3) } }];
    expect('€'.repeat(STATE_PAYLOAD_QUOTA_BYTES / 3).length).toBeLessThan(160 * 1024);
    expect(() => checkResolvedScenariosFit('feed', 'ds-1', heavy, {})).toThrow(/do not fit/);
    expect(() => checkResolvedScenariosFit('feed', 'ds-1', [{ scenario: { name: 's' } }], {})).not.toThrow();
  });
});
