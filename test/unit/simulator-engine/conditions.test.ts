import { beforeAll, describe, expect, it } from 'vitest';
import { checkConditions } from '../../../simulator/engine/index.ts';
import type { Conditions, TrainedModel } from '../../../simulator/engine/index.ts';
import { quickstartModel } from '../../support/simulator-engine-helpers.ts';

let model: TrainedModel;
beforeAll(async () => {
  model = (await quickstartModel()).model;
});

/** Conditions as they arrive in a JSON body (possibly malformed). */
function check(conditions: unknown): ReturnType<typeof checkConditions> {
  return checkConditions(model, conditions as Conditions);
}

describe('checkConditions', () => {
  it('accepts absent conditions and the quickstart scenario in vendor names', () => {
    expect(check(undefined)).toEqual([]);
    expect(check(null)).toEqual([]);
    expect(check({})).toEqual([]);
    expect(
      check({
        categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
        numeric: { 'purchase.intent': { min: 70, max: 100 } },
      }),
    ).toEqual([]);
  });

  it('accepts partial level sets, a sum below 1 and bounds outside the observed range', () => {
    expect(
      check({ categorical: { segment: { Premium: 0.5 } }, numeric: { age: { min: -5, max: 500 } } }),
    ).toEqual([]);
  });

  it('reports an unknown column, pointing at the rename', () => {
    expect(check({ numeric: { purchase_intent: { min: 1, max: 2 } } })).toEqual([
      {
        code: 'simio_unknown_condition_column',
        field: 'conditions.numeric.purchase_intent',
        message: expect.stringContaining('cleaning renamed it to "purchase.intent"'),
      },
    ]);
    expect(check({ categorical: { Segment: { Premium: 1 } } })[0]).toMatchObject({
      code: 'simio_unknown_condition_column',
      message: expect.stringContaining('did you mean "segment"'),
    });
    expect(check({ categorical: { colour: { red: 1 } } })[0]!.code).toBe('simio_unknown_condition_column');
  });

  it('reports an unknown level with the known levels', () => {
    expect(check({ categorical: { segment: { Luxury: 0.2 } } })).toEqual([
      {
        code: 'simio_unknown_condition_column',
        field: 'conditions.categorical.segment.Luxury',
        message: expect.stringContaining('Mainstream, Premium, Value'),
      },
    ]);
  });

  it('reports shares that are negative, not numbers, over 1 in total, or all zero', () => {
    const fields = (c: unknown) => check(c).map((p) => [p.code, p.field]);
    expect(fields({ categorical: { segment: { Premium: -0.1, Value: '0.2' } } })).toEqual([
      ['simio_invalid_field', 'conditions.categorical.segment.Premium'],
      ['simio_invalid_field', 'conditions.categorical.segment.Value'],
    ]);
    expect(check({ categorical: { segment: { Premium: 0.7, Value: 0.4 } } })[0]).toMatchObject({
      code: 'simio_invalid_field',
      field: 'conditions.categorical.segment',
      message: expect.stringContaining('add up to 1.1'),
    });
    expect(check({ categorical: { segment: { Premium: 0.6, Value: 0.4 + 1e-9 } } })).toEqual([]);
    expect(fields({ categorical: { segment: { Premium: 0, Value: 0, Mainstream: 0 } } })).toEqual([
      ['simio_invalid_field', 'conditions.categorical.segment'],
    ]);
    expect(fields({ categorical: { segment: {} } })).toEqual([
      ['simio_invalid_field', 'conditions.categorical.segment'],
    ]);
  });

  it('reports type mismatches and bad numeric ranges', () => {
    const fields = (c: unknown) => check(c).map((p) => [p.code, p.field]);
    expect(fields({ categorical: { age: { '30': 1 } } })).toEqual([
      ['simio_invalid_field', 'conditions.categorical.age'],
    ]);
    expect(fields({ numeric: { segment: { min: 0, max: 1 } } })).toEqual([
      ['simio_invalid_field', 'conditions.numeric.segment'],
    ]);
    expect(fields({ numeric: { age: { min: 50, max: 20 } } })).toEqual([
      ['simio_invalid_field', 'conditions.numeric.age'],
    ]);
    expect(fields({ numeric: { age: { min: 20 } } })).toEqual([
      ['simio_invalid_field', 'conditions.numeric.age.max'],
    ]);
    expect(fields({ numeric: { age: { min: 20, max: 30, step: 1 } } })).toEqual([
      ['simio_invalid_field', 'conditions.numeric.age.step'],
    ]);
    expect(fields({ numeric: { age: [20, 30] } })).toEqual([
      ['simio_invalid_field', 'conditions.numeric.age'],
    ]);
  });

  it('reports malformed conditions objects and unknown members', () => {
    const fields = (c: unknown) => check(c).map((p) => [p.code, p.field]);
    expect(fields([1])).toEqual([['simio_invalid_field', 'conditions']]);
    expect(fields({ ranges: {} })).toEqual([['simio_invalid_field', 'conditions.ranges']]);
    expect(fields({ categorical: 'segment' })).toEqual([['simio_invalid_field', 'conditions.categorical']]);
  });

  it('refuses columns excluded from conditioning', () => {
    const excluded: TrainedModel = {
      ...model,
      columns: model.columns.map((c) => (c.name === 'region' ? { ...c, conditioningExcluded: true } : c)),
    };
    expect(checkConditions(excluded, { categorical: { region: { West: 1 } } })).toEqual([
      {
        code: 'simio_invalid_field',
        field: 'conditions.categorical.region',
        message: expect.stringContaining('conditioning_excluded'),
      },
    ]);
  });
});
