import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalScenarioJson,
  DEFAULT_ROW_COUNT,
  defaultScenarios,
  formatJsonPath,
  parseScenarioFile,
  ScenarioFileError,
  VENDOR_MAX_ROW_COUNT,
  type Scenario,
} from '../../../src/conditions/scenario-file.ts';
import { locateJsonError } from '../../../src/conditions/json-location.ts';

const SOURCE = 's3://seeds/seeds/retail/scenarios.json';
/** The scenario of the documented example file. */
const EXAMPLE_SCENARIO = {
  name: 'premium-heavy',
  row_count: 5000,
  output_format: 'parquet',
  seed: 7,
  conditions: {
    categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
    numeric: { purchase_intent: { min: 70, max: 100 } },
  },
};
const EXAMPLE = JSON.stringify({ scenarios: [EXAMPLE_SCENARIO] });

function problemsOf(text: string): ScenarioFileError {
  try {
    parseScenarioFile(text, SOURCE);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioFileError);
    return err as ScenarioFileError;
  }
  throw new Error('expected a ScenarioFileError');
}

describe('parseScenarioFile', () => {
  it('parses the documented example', () => {
    expect(parseScenarioFile(EXAMPLE, SOURCE)).toEqual([EXAMPLE_SCENARIO]);
  });

  it('accepts the example feed scenario file', () => {
    const path = new URL('../../../examples/seeds/scenarios.json', import.meta.url);
    const scenarios = parseScenarioFile(readFileSync(path, 'utf8'), path.pathname);
    expect(scenarios.length).toBeGreaterThan(0);
  });

  it('defaults output_format to parquet and leaves seed and conditions out when absent', () => {
    const [scenario] = parseScenarioFile('{"scenarios":[{"name":"plain","row_count":10}]}', SOURCE);
    expect(scenario).toEqual({ name: 'plain', row_count: 10, output_format: 'parquet' });
    expect(Object.keys(scenario!)).not.toContain('seed');
  });

  it('accepts csv and arrow, a description, a UTF-8 BOM, and several scenarios', () => {
    const text =
      '\uFEFF{"scenarios":[{"name":"a","row_count":1,"output_format":"csv","description":"small"},{"name":"b-2","row_count":1000000,"output_format":"arrow","seed":0}]}';
    const scenarios = parseScenarioFile(text, SOURCE);
    expect(scenarios.map((s) => [s.name, s.output_format])).toEqual([
      ['a', 'csv'],
      ['b-2', 'arrow'],
    ]);
    expect(scenarios[0]!.description).toBe('small');
  });

  it('treats empty conditions groups as no conditions', () => {
    const [scenario] = parseScenarioFile(
      '{"scenarios":[{"name":"a","row_count":5,"conditions":{"categorical":{},"numeric":{}}}]}',
      SOURCE,
    );
    expect(scenario!.conditions).toBeUndefined();
    const [partial] = parseScenarioFile(
      '{"scenarios":[{"name":"a","row_count":5,"conditions":{"categorical":{},"numeric":{"age":{"min":1,"max":2}}}}]}',
      SOURCE,
    );
    expect(partial!.conditions).toEqual({ numeric: { age: { min: 1, max: 2 } } });
  });

  it('accepts shares that sum to exactly 1 despite float error, and partial level sets', () => {
    const text = JSON.stringify({
      scenarios: [
        {
          name: 'a',
          row_count: 5,
          conditions: { categorical: { x: { a: 0.1, b: 0.2, c: 0.7 }, y: { only: 0.3 } } },
        },
      ],
    });
    expect(parseScenarioFile(text, SOURCE)[0]!.conditions!.categorical!.y).toEqual({ only: 0.3 });
  });

  it('lists every problem with its JSON path and a fix, in one error', () => {
    const err = problemsOf(
      JSON.stringify({
        scenarios: [
          {
            name: 'Premium Heavy',
            row_count: 5000.5,
            output_format: 'xlsx',
            seed: -1,
            rowCount: 3,
            conditions: {
              categorical: { segment: { Premium: 0.8, Value: 0.3 }, region: {}, channel: { Online: 55 } },
              numeric: { age: { min: 50 }, score: { min: 5, max: 1 }, spend: { min: '1', max: 2 } },
            },
          },
          { name: 'dup', row_count: 2_000_000 },
          { name: 'dup', row_count: 0 },
        ],
      }),
    );
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message]));
    expect(byPath['scenarios[0].name']).toMatch(/lower-case letters, digits or "-".*e.g. "premium-heavy"/);
    expect(byPath['scenarios[0].row_count']).toMatch(/whole number/);
    expect(byPath['scenarios[0].output_format']).toMatch(/"parquet", "csv", "arrow"/);
    expect(byPath['scenarios[0].seed']).toMatch(/between 0 and 2147483647/);
    expect(byPath['scenarios[0].rowCount']).toMatch(/not a known field \(did you mean "row_count"\?\)/);
    expect(byPath['scenarios[0].conditions.categorical.segment']).toMatch(/add up to 1\.1, more than 1/);
    expect(byPath['scenarios[0].conditions.categorical.region']).toMatch(/lists no levels/);
    expect(byPath['scenarios[0].conditions.categorical.channel.Online']).toMatch(
      /between 0 and 1.*0\.55 means 55 %/,
    );
    expect(byPath['scenarios[0].conditions.numeric.age.max']).toMatch(/missing.*both "min" and "max"/);
    expect(byPath['scenarios[0].conditions.numeric.score']).toMatch(/min 5 is greater than max 1/);
    expect(byPath['scenarios[0].conditions.numeric.spend.min']).toMatch(/must be a number/);
    expect(byPath['scenarios[1].row_count']).toMatch(/per-request cap of 1000000/);
    expect(byPath['scenarios[2].name']).toMatch(/already the name of scenarios\[1\]/);
    expect(byPath['scenarios[2].row_count']).toMatch(/at least 1/);
    expect(err.problems).toHaveLength(14);
    expect(err.message).toContain(`${SOURCE} is not a valid scenario file (14 problems):`);
    for (const p of err.problems) expect(err.message).toContain(`  - ${p.path}: ${p.message}`);
    expect(err.source).toBe(SOURCE);
  });

  it('reports invalid JSON with line and column', () => {
    const err = problemsOf('{\n  "scenarios": [\n    {"name": "a", "row_count": 1,}\n  ]\n}');
    expect(err.problems).toHaveLength(1);
    expect(err.message).toMatch(/invalid JSON at line 3, column 34: expected a double-quoted property name/);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('explains an empty file, a wrong top level and missing or empty scenarios', () => {
    expect(problemsOf('  \n').message).toMatch(/file is empty/);
    expect(problemsOf('[]').message).toMatch(/must be an object \{"scenarios": \[\.\.\.\]\}/);
    expect(problemsOf('{}').message).toMatch(/scenarios: is required/);
    expect(problemsOf('{"scenarios":[]}').message).toMatch(/scenarios: is empty/);
    expect(problemsOf('{"scenarios":[{"row_count":1}]}').message).toMatch(
      /scenarios\[0\]\.name: is required/,
    );
    expect(problemsOf('{"scenario":[]}').message).toMatch(/did you mean "scenarios"/);
  });

  it('refuses names that are not path-safe', () => {
    for (const name of ['', '-lead', 'UPPER', 'a/b', 'a_b', 'x'.repeat(64), '../etc', 'a.b']) {
      const err = problemsOf(JSON.stringify({ scenarios: [{ name, row_count: 1 }] }));
      expect(err.problems[0]!.path).toBe('scenarios[0].name');
    }
    expect(
      parseScenarioFile(JSON.stringify({ scenarios: [{ name: 'a'.repeat(63), row_count: 1 }] }), SOURCE),
    ).toHaveLength(1);
  });

  it('honours a tenant-specific row cap', () => {
    const text = '{"scenarios":[{"name":"a","row_count":5001}]}';
    expect(() => parseScenarioFile(text, SOURCE, { maxRowCount: 5000 })).toThrow(
      /per-request cap of 5000 rows/,
    );
    expect(parseScenarioFile(text, SOURCE)[0]!.row_count).toBe(5001);
  });

  it('quotes JSON path segments that are not identifiers', () => {
    const err = problemsOf(
      JSON.stringify({
        scenarios: [
          { name: 'a', row_count: 1, conditions: { categorical: { 'age group': { '18-24': 2 } } } },
        ],
      }),
    );
    expect(err.problems[0]!.path).toBe('scenarios[0].conditions.categorical["age group"]["18-24"]');
  });
});

describe('defaultScenarios', () => {
  it('is one unconditioned parquet scenario named default', () => {
    expect(defaultScenarios()).toEqual([
      { name: 'default', row_count: DEFAULT_ROW_COUNT, output_format: 'parquet' },
    ]);
    expect(DEFAULT_ROW_COUNT).toBe(1000);
    expect(DEFAULT_ROW_COUNT).toBeLessThanOrEqual(VENDOR_MAX_ROW_COUNT);
  });

  it('returns a fresh array each time', () => {
    expect(defaultScenarios()).not.toBe(defaultScenarios());
  });
});

describe('canonicalScenarioJson', () => {
  it('is independent of key order at every level', () => {
    const a: Scenario = {
      name: 'x',
      row_count: 5,
      output_format: 'csv',
      seed: 1,
      conditions: { numeric: { b: { min: 1, max: 2 } }, categorical: { s: { B: 0.2, A: 0.5 } } },
    };
    const b = JSON.parse(
      '{"conditions":{"categorical":{"s":{"A":0.5,"B":0.2}},"numeric":{"b":{"max":2,"min":1}}},"seed":1,"output_format":"csv","row_count":5,"name":"x"}',
    ) as Scenario;
    expect(canonicalScenarioJson(a)).toBe(canonicalScenarioJson(b));
    expect(canonicalScenarioJson(a)).toBe(
      '{"conditions":{"categorical":{"s":{"A":0.5,"B":0.2}},"numeric":{"b":{"max":2,"min":1}}},"name":"x","output_format":"csv","row_count":5,"seed":1}',
    );
  });

  it('changes with anything that changes the generation, not with the description', () => {
    const base: Scenario = { name: 'x', row_count: 5, output_format: 'parquet' };
    expect(canonicalScenarioJson({ ...base, description: 'doc' })).toBe(canonicalScenarioJson(base));
    expect(canonicalScenarioJson({ ...base, row_count: 6 })).not.toBe(canonicalScenarioJson(base));
    expect(canonicalScenarioJson({ ...base, seed: 1 })).not.toBe(canonicalScenarioJson(base));
    expect(canonicalScenarioJson({ ...base, seed: undefined })).toBe(canonicalScenarioJson(base));
  });

  it('is stable for a parsed file (defaults applied)', () => {
    const [explicit] = parseScenarioFile(
      '{"scenarios":[{"output_format":"parquet","row_count":1,"name":"a"}]}',
      SOURCE,
    );
    const [implicit] = parseScenarioFile('{"scenarios":[{"name":"a","row_count":1}]}', SOURCE);
    expect(canonicalScenarioJson(explicit!)).toBe(canonicalScenarioJson(implicit!));
  });
});

describe('formatJsonPath', () => {
  it('uses dots for identifiers and brackets otherwise', () => {
    expect(formatJsonPath(['scenarios', 0, 'conditions', 'numeric', 'purchase.intent', 'min'])).toBe(
      'scenarios[0].conditions.numeric["purchase.intent"].min',
    );
    expect(formatJsonPath([])).toBe('');
  });
});

describe('locateJsonError', () => {
  it.each([
    ['{"a":1,}', 1, 8, 'a double-quoted property name'],
    ['{"a" 1}', 1, 6, "':' after the property name"],
    ['[1 2]', 1, 4, "',' or ']'"],
    ['{"a":tru}', 1, 9, "'true'"],
    ['{"a":01}', 1, 7, "',' or '}'"],
    ['{"a":"x\n"}', 1, 8, 'no raw control character inside a string (escape it, e.g. \\n)'],
    ['{"a":"\\q"}', 1, 8, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)'],
    ['{"a":1} x', 1, 9, 'the end of the document'],
    ['{\n"a":\n', 3, 1, 'a JSON value (object, array, string, number, true, false or null)'],
    ['// c\n{}', 1, 1, 'a JSON value (object, array, string, number, true, false or null)'],
    ['{"a":1.}', 1, 8, 'a digit after the decimal point'],
    ['{"a":"\\u12"}', 1, 11, '4 hex digits after \\u'],
  ])('%j -> line %i column %i', (text, line, column, expected) => {
    expect(locateJsonError(text)).toMatchObject({ line, column, expected });
  });

  it('returns null for valid JSON of every kind', () => {
    for (const text of [
      '{}',
      '[]',
      '"x"',
      '-1.5e+3',
      'true',
      'null',
      ' {"a":[1,{"b":"\\u00e9\\n"}],"c":false} ',
    ]) {
      expect(locateJsonError(text)).toBeNull();
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });
});
