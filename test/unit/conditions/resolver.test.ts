import { describe, expect, it } from 'vitest';
import { resolveConditions } from '../../../src/conditions/resolver.ts';
import { parseScenarioFile } from '../../../src/conditions/scenario-file.ts';
import { SCHEMA, categorical, failure, numeric } from '../../support/condition-schema.ts';

describe('resolveConditions', () => {
  it('resolves the documented example, mapping purchase_intent to purchase.intent', () => {
    const [scenario] = parseScenarioFile(
      JSON.stringify({
        scenarios: [
          {
            name: 'premium-heavy',
            row_count: 5000,
            conditions: {
              categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
              numeric: { purchase_intent: { min: 70, max: 100 } },
            },
          },
        ],
      }),
      'test',
    );
    const resolved = resolveConditions(scenario!, SCHEMA);
    expect(resolved.conditions).toEqual({
      categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
      numeric: { 'purchase.intent': { min: 70, max: 100 } },
    });
    expect(resolved.conditioned).toBe(true);
    expect(resolved.mappings).toEqual([
      { requested: 'segment', resolved: 'segment', via: 'exact', kind: 'categorical' },
      { requested: 'purchase_intent', resolved: 'purchase.intent', via: 'normalised', kind: 'numeric' },
    ]);
    expect(resolved.clamps).toEqual([]);
    expect(resolved.warnings).toEqual([]);
  });

  it('matches spaces, dashes and case through the vendor cleaning', () => {
    const resolved = resolveConditions(
      {
        conditions: {
          categorical: { region: { North: 0.5 }, 'Is Member': { TRUE: 0.4 } },
          numeric: { 'Purchase-Intent': { min: 10, max: 20 }, AGE: { min: 20, max: 30 } },
        },
      },
      SCHEMA,
    );
    expect(resolved.mappings.map((m) => [m.requested, m.resolved, m.via])).toEqual([
      ['region', 'Region', 'normalised'],
      ['Is Member', 'is.member', 'normalised'],
      ['Purchase-Intent', 'purchase.intent', 'normalised'],
      ['AGE', 'age', 'normalised'],
    ]);
    expect(Object.keys(resolved.conditions.categorical!)).toEqual(['Region', 'is.member']);
  });

  it('returns empty conditions for an unconditioned scenario', () => {
    for (const scenario of [{}, { conditions: {} }, { conditions: null }, { name: 'default' }]) {
      expect(resolveConditions(scenario, SCHEMA)).toEqual({
        conditions: {},
        conditioned: false,
        mappings: [],
        clamps: [],
        warnings: [],
      });
    }
  });

  it('sends bounds as written and reports each clamp the vendor will apply', () => {
    const resolved = resolveConditions(
      { conditions: { numeric: { age: { min: 10, max: 95 }, purchase_intent: { min: 50, max: 150 } } } },
      SCHEMA,
    );
    expect(resolved.conditions.numeric).toEqual({
      age: { min: 10, max: 95 },
      'purchase.intent': { min: 50, max: 150 },
    });
    const partly = { outside: 'partly' } as const;
    expect(resolved.clamps).toEqual([
      { column: 'age', bound: 'min', requested: 10, applied: 18, schemaMin: 18, schemaMax: 80, ...partly },
      { column: 'age', bound: 'max', requested: 95, applied: 80, schemaMin: 18, schemaMax: 80, ...partly },
      {
        column: 'purchase.intent',
        bound: 'max',
        requested: 150,
        applied: 100,
        schemaMin: 0,
        schemaMax: 100,
        ...partly,
      },
    ]);
  });

  it('does not clamp against an unpublished bound', () => {
    const schema = [numeric('x', null, 10)];
    const resolved = resolveConditions({ conditions: { numeric: { x: { min: -1e9, max: 20 } } } }, schema);
    expect(resolved.conditions.numeric).toEqual({ x: { min: -1e9, max: 20 } });
    expect(resolved.clamps).toEqual([expect.objectContaining({ bound: 'max', applied: 10 })]);
  });

  it('accepts a degenerate range and ranges touching the schema edge', () => {
    const resolved = resolveConditions({ conditions: { numeric: { age: { min: 80, max: 80 } } } }, SCHEMA);
    expect(resolved.conditions.numeric).toEqual({ age: { min: 80, max: 80 } });
  });

  it('sends a range wholly outside the schema range, flagged as wholly clamped (contract ambiguity 15)', () => {
    const resolved = resolveConditions({ conditions: { numeric: { age: { min: 90, max: 120 } } } }, SCHEMA);
    expect(resolved.conditions.numeric).toEqual({ age: { min: 90, max: 120 } });
    expect(resolved.clamps).toEqual([
      {
        column: 'age',
        bound: 'min',
        requested: 90,
        applied: 80,
        schemaMin: 18,
        schemaMax: 80,
        outside: 'wholly',
      },
      {
        column: 'age',
        bound: 'max',
        requested: 120,
        applied: 80,
        schemaMin: 18,
        schemaMax: 80,
        outside: 'wholly',
      },
    ]);
  });

  it('collects every problem, each with what the schema offers', () => {
    const err = failure(() =>
      resolveConditions(
        {
          name: 'bad',
          conditions: {
            categorical: {
              segmnt: { Premium: 0.5 },
              segment: { Premum: 0.5, Value: 1.5 },
              comment: { x: 0.1 },
              age: { '18': 0.5 },
              'signup.date': { '2024': 0.1 },
              channel: { Club: 0.5, Online: 0.3, Retail: 0.1 },
            },
            numeric: {
              channel_x: { min: 1, max: 2 },
              Region: { min: 0, max: 1 },
              'purchase.intent': { min: 80, max: 70 },
              age: { min: 20 } as { min: number; max: number },
            },
          },
        },
        SCHEMA,
      ),
    );
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message]));
    expect(byPath['conditions.categorical.segmnt']).toMatch(
      /column "segmnt" is not in the dataset's cleaned schema\. Did you mean "segment"\? Available categorical columns: segment \(factor: "Mainstream", "Other", "Premium", "Value"\); channel/,
    );
    expect(byPath['conditions.categorical.segmnt']).not.toMatch(/comment/); // excluded columns are not offered
    expect(byPath['conditions.categorical.segment.Premum']).toMatch(
      /level "Premum" is not a level of "segment"\. Did you mean "Premium"\? Levels match exactly\. Levels: "Mainstream", "Other", "Premium", "Value"/,
    );
    expect(byPath['conditions.categorical.segment.Value']).toMatch(
      /share 1\.5 must be a number between 0 and 1/,
    );
    expect(byPath['conditions.categorical.comment']).toMatch(/excluded from conditioning/);
    expect(byPath['conditions.categorical.age']).toMatch(
      /is numeric \(integer, 18 to 80\), not categorical; move it to conditions\.numeric/,
    );
    expect(byPath['conditions.categorical["signup.date"]']).toMatch(
      /type "date", which cannot be conditioned/,
    );
    expect(byPath['conditions.categorical.channel']).toMatch(/list every level but add up to 0\.9, not 1/);
    expect(byPath['conditions.numeric.channel_x']).toMatch(
      /Available numeric columns: age \(integer, 18 to 80\); purchase\.intent \(numeric, 0 to 100\)/,
    );
    expect(byPath['conditions.numeric.Region']).toMatch(
      /is categorical \(factor, levels "North", "South"\), not numeric/,
    );
    expect(byPath['conditions.numeric["purchase.intent"]']).toMatch(
      /min 80 is greater than max 70; swap them/,
    );
    expect(byPath['conditions.numeric.age.max']).toMatch(
      /is missing; numeric ranges need both "min" and "max" \(the schema range of "age" is 18 to 80\)/,
    );
    expect(err.problems).toHaveLength(11);
    expect(err.scenario).toBe('bad');
    expect(err.message).toMatch(
      /^The conditions of scenario "bad" do not fit the dataset's cleaned schema \(11 problems\):/,
    );
    expect(err.message).toContain('GET /v1/datasets/{dataset_id}/schema');
  });

  it('refuses shares above 1 in total and suggests the exact level spelling', () => {
    const err = failure(() =>
      resolveConditions(
        { conditions: { categorical: { segment: { premium: 0.2 }, channel: { Club: 0.7, Online: 0.5 } } } },
        SCHEMA,
      ),
    );
    expect(err.problems.map((p) => p.message).join('\n')).toMatch(
      /Did you mean "Premium"\? Levels match exactly\./,
    );
    expect(err.problems.map((p) => p.message).join('\n')).toMatch(/add up to 1\.2, more than 1/);
  });

  it('accepts shares summing to 1 within float tolerance when all levels are listed', () => {
    const resolved = resolveConditions(
      {
        conditions: {
          categorical: {
            channel: { Club: 0.1, Online: 0.7, Retail: 0.2 },
            segment: { Premium: 0, Value: 0 },
          },
        },
      },
      SCHEMA,
    );
    expect(resolved.conditions.categorical!.segment).toEqual({ Premium: 0, Value: 0 });
  });

  it('hints that rare levels may have been folded into Other', () => {
    const err = failure(() =>
      resolveConditions({ conditions: { categorical: { segment: { Luxury: 0.1 } } } }, SCHEMA),
    );
    expect(err.problems[0]!.message).toMatch(/Rare levels may have been folded into "Other" by the cleaning/);
  });

  it('refuses a column with no levels and a non-numeric share', () => {
    const err = failure(() =>
      resolveConditions(
        { conditions: { categorical: { segment: {}, channel: { Club: '0.5' as unknown as number } } } },
        SCHEMA,
      ),
    );
    expect(err.problems[0]!.message).toMatch(/lists no levels.*Levels: "Mainstream"/);
    expect(err.problems[1]!.message).toMatch(/share "0\.5" must be a number/);
  });

  it('names the cleaning reason for a dropped column', () => {
    const err = failure(() =>
      resolveConditions(
        { conditions: { categorical: { customer_id: { a: 0.1 } }, numeric: { Store: { min: 1, max: 2 } } } },
        SCHEMA,
        {
          droppedColumns: [
            { name: 'customer_id', reason: 'identifier_like_column' },
            { name: 'store', reason: 'constant_categorical' },
          ],
        },
      ),
    );
    expect(err.problems[0]!.message).toMatch(
      /"customer_id" was dropped by the vendor's cleaning \(identifier_like_column: it looks like an identifier\)/,
    );
    expect(err.problems[1]!.message).toMatch(
      /"Store" was dropped by the vendor's cleaning \(constant_categorical/,
    );
  });

  it('refuses two names for one column and ambiguous case-insensitive matches', () => {
    const err = failure(() =>
      resolveConditions(
        {
          conditions: {
            numeric: {
              purchase_intent: { min: 1, max: 2 },
              'purchase.intent': { min: 1, max: 3 },
              X: { min: 1, max: 2 },
            },
          },
        },
        [...SCHEMA, numeric('x.', 0, 5), numeric('X.', 0, 5)],
      ),
    );
    expect(err.problems.map((p) => p.message).join('\n')).toMatch(
      /resolves to "purchase\.intent", which conditions\.numeric\.purchase_intent already conditions/,
    );
    expect(err.problems.map((p) => p.message).join('\n')).toMatch(
      /column "X" is not in the dataset's cleaned schema/,
    );

    const ambiguous = failure(() =>
      resolveConditions({ conditions: { numeric: { 'A b': { min: 1, max: 2 } } } }, [
        numeric('a.b', 0, 5),
        numeric('A.B', 0, 5),
      ]),
    );
    expect(ambiguous.problems[0]!.message).toMatch(
      /matches several schema columns when case is ignored \("a\.b", "A\.B"\)/,
    );
  });

  it('prefers an exact match over a normalised one', () => {
    const schema = [numeric('purchase_intent', 0, 10), numeric('purchase.intent', 0, 100)];
    const resolved = resolveConditions(
      { conditions: { numeric: { purchase_intent: { min: 1, max: 2 } } } },
      schema,
    );
    expect(resolved.mappings[0]).toMatchObject({ resolved: 'purchase_intent', via: 'exact' });
  });

  it('warns, but accepts, when the schema publishes no levels', () => {
    const resolved = resolveConditions({ conditions: { categorical: { s: { a: 0.5 } } } }, [
      categorical('s', null),
    ]);
    expect(resolved.conditions.categorical).toEqual({ s: { a: 0.5 } });
    expect(resolved.warnings[0]).toMatch(/publishes no levels for "s"/);
  });

  it('shortens long level lists in messages', () => {
    const levels = Array.from({ length: 40 }, (_, i) => `L${i}`);
    const err = failure(() =>
      resolveConditions({ conditions: { categorical: { s: { nope: 0.1 } } } }, [categorical('s', levels)]),
    );
    expect(err.message).toMatch(/"L24", … and 15 more/);
  });
});
