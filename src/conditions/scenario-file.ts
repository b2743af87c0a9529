/**
 * The per-feed scenario file, `seeds/<feed>/scenarios.json`: which synthetic datasets to generate
 * from the feed's seed, and under which conditions.
 *
 * ```json
 * {"scenarios": [{"name": "premium-heavy", "row_count": 5000, "output_format": "parquet", "seed": 7,
 *   "conditions": {"categorical": {"segment": {"Premium": 0.55, "Mainstream": 0.35, "Value": 0.10}},
 *                  "numeric": {"purchase_intent": {"min": 70, "max": 100}}}}]}
 * ```
 *
 * Column names in `conditions` are the customer's; the resolver maps them onto the cleaned schema.
 * A feed without a scenario file gets {@link defaultScenarios}.
 */
import * as z from '../contracts/zod.ts';
import type { Conditions } from '../client/contract.ts';
import { mergeSections, qualitySectionSchema, type QualitySection } from '../quality/config.ts';
import { locateJsonError } from './json-location.ts';
import { conditionsSchema } from './conditions-schema.ts';
import { SCENARIO_NAME_RULE, nameProblem } from '../names/rules.ts';

/** Rows of the scenario used when a feed has no scenario file. */
export const DEFAULT_ROW_COUNT = 1000;
/** Name of the scenario used when a feed has no scenario file. */
export const DEFAULT_SCENARIO_NAME = 'default';
/**
 * The vendor's per-request row cap (tenant policy; the contract's example and the simulator's
 * default). Larger requests get 413 `simio_per_request_cap_exceeded`.
 */
export const VENDOR_MAX_ROW_COUNT = 1_000_000;
/** Scenarios per file: each becomes one vendor generation per run. */
export const MAX_SCENARIOS = 100;
/** Largest `seed` the vendor accepts (an R integer, contract notes §10 #27). */
export const MAX_SEED = 2 ** 31 - 1;
/** Scenario names become S3 partition values (`scenario=<name>`); the rule lives in `src/names/rules.ts`. */
export const SCENARIO_NAME_PATTERN = SCENARIO_NAME_RULE.pattern;
export const OUTPUT_FORMATS = ['parquet', 'csv', 'arrow'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** One scenario as written in the file (defaults applied). */
export interface Scenario {
  readonly name: string;
  readonly row_count: number;
  readonly output_format: OutputFormat;
  readonly seed?: number;
  readonly description?: string;
  /** Conditions with the customer's column names (not yet resolved against a schema). */
  readonly conditions?: Conditions;
  /**
   * Quality report settings and publish-gate thresholds (the file's `quality` merged under the
   * scenario's own), see `src/quality/config.ts`.
   */
  readonly quality?: QualitySection;
}

/** One problem found in a scenario file. */
export interface ScenarioProblem {
  /** JSON path, e.g. `scenarios[0].row_count` (empty for the whole document). */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A scenario file that cannot be used; `message` lists every problem with its JSON path. */
export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
  readonly source: string;
  readonly problems: readonly ScenarioProblem[];
  constructor(source: string, problems: readonly ScenarioProblem[], options?: { cause?: unknown }) {
    const lines = problems.map((p) => `  - ${p.path === '' ? '(document)' : p.path}: ${p.message}`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${source} is not a valid scenario file (${count}):\n${lines.join('\n')}`, options);
    this.source = source;
    this.problems = problems;
  }
}

export interface ParseScenarioFileOptions {
  /** Per-request row cap of the tenant (default {@link VENDOR_MAX_ROW_COUNT}). */
  readonly maxRowCount?: number;
}

function scenarioSchema(maxRowCount: number) {
  return z.strictObject(
    {
      name: z
        .string({
          error: 'is required: a name of lower-case letters, digits and dashes, e.g. "premium-heavy"',
        })
        .check(
          z.regex(SCENARIO_NAME_PATTERN, {
            error: (issue) =>
              `${nameProblem(SCENARIO_NAME_RULE, String(issue.input)) ?? ''} (it becomes the S3 partition value scenario=<name>)`,
          }),
        ),
      row_count: z
        .number({ error: `is required: a whole number of rows between 1 and ${maxRowCount}` })
        .check(
          z.int({ error: `must be a whole number of rows between 1 and ${maxRowCount}` }),
          z.gte(1, { error: 'must be at least 1' }),
          z.lte(maxRowCount, {
            error: `is over the vendor's per-request cap of ${maxRowCount} rows; lower it or split the scenario into several`,
          }),
        ),
      output_format: z._default(
        z.enum(OUTPUT_FORMATS, {
          error: `must be one of ${OUTPUT_FORMATS.map((f) => `"${f}"`).join(', ')} (default "parquet")`,
        }),
        'parquet',
      ),
      seed: z.optional(
        z.number({ error: `must be a whole number between 0 and ${MAX_SEED}` }).check(
          z.int({ error: `must be a whole number between 0 and ${MAX_SEED}` }),
          z.gte(0, { error: `must be between 0 and ${MAX_SEED}` }),
          z.lte(MAX_SEED, {
            error: `must be between 0 and ${MAX_SEED} (the vendor stores it as a 32-bit integer)`,
          }),
        ),
      ),
      description: z.optional(
        z
          .string({ error: 'must be a string' })
          .check(z.maxLength(500, { error: 'is longer than 500 characters' })),
      ),
      conditions: z.optional(conditionsSchema),
      quality: z.optional(qualitySectionSchema),
    },
    {
      error: 'must be an object {"name", "row_count", "output_format"?, "seed"?, "conditions"?, "quality"?}',
    },
  );
}

function fileSchema(maxRowCount: number) {
  return z.strictObject(
    {
      scenarios: z
        .array(scenarioSchema(maxRowCount), { error: 'is required: an array of scenario objects' })
        .check(
          z.minLength(1, {
            error: 'is empty; list at least one scenario, or delete the file to use the default scenario',
          }),
          z.maxLength(MAX_SCENARIOS, { error: `has more than ${MAX_SCENARIOS} scenarios; split the feed` }),
        ),
      quality: z.optional(qualitySectionSchema),
    },
    { error: 'the document must be an object {"scenarios": [...]} (and optionally "quality")' },
  );
}

/**
 * Duplicate scenario names, checked on the raw document so they are reported together with every
 * other problem (zod skips refinements of a file that has field errors).
 */
function duplicateNameProblems(json: unknown): ScenarioProblem[] {
  const scenarios = (json as { scenarios?: unknown } | null)?.scenarios;
  if (!Array.isArray(scenarios)) return [];
  const seen = new Map<string, number>();
  const problems: ScenarioProblem[] = [];
  scenarios.forEach((scenario: unknown, index) => {
    const name = (scenario as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      return;
    }
    problems.push({
      path: formatJsonPath(['scenarios', index, 'name']),
      message: `"${name}" is already the name of scenarios[${first}]; scenario names must be unique within a feed`,
    });
  });
  return problems;
}

/** Well-known misspellings of the file's keys, for a "did you mean" hint. */
const KEY_HINTS: Readonly<Record<string, string>> = {
  rowcount: 'row_count',
  rows: 'row_count',
  row_counts: 'row_count',
  format: 'output_format',
  outputformat: 'output_format',
  condition: 'conditions',
  categorial: 'categorical',
  category: 'categorical',
  categories: 'categorical',
  numerical: 'numeric',
  numbers: 'numeric',
  scenario: 'scenarios',
  random_seed: 'seed',
};

function hintFor(key: string): string {
  const normalised = key.toLowerCase().replace(/-/g, '_');
  const hint = KEY_HINTS[normalised] ?? KEY_HINTS[normalised.replace(/_/g, '')];
  return hint ? ` (did you mean "${hint}"?)` : '';
}

/** `scenarios[0].conditions.categorical["age group"]` */
export function formatJsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) {
      out += out === '' ? segment : `.${segment}`;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function problemsFrom(error: z.ZodError): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          path: formatJsonPath([...issue.path, key]),
          message: `is not a known field${hintFor(key)}; remove it`,
        });
      }
      continue;
    }
    problems.push({ path: formatJsonPath(issue.path), message: issue.message });
  }
  return problems;
}

/** Problems in document order: by scenario index, then as found. */
function sortProblems(problems: ScenarioProblem[]): ScenarioProblem[] {
  const indexOf = (p: ScenarioProblem): number => Number(/^scenarios\[(\d+)\]/.exec(p.path)?.[1] ?? -1);
  return problems
    .map((p, order) => ({ p, order }))
    .sort((a, b) => indexOf(a.p) - indexOf(b.p) || a.order - b.order)
    .map(({ p }) => p);
}

function parseJson(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new ScenarioFileError(source, [
      {
        path: '',
        message:
          'the file is empty; write {"scenarios": [...]} or delete the file to use the default scenario',
      },
    ]);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    let where: string;
    try {
      const location = locateJsonError(body);
      where = location
        ? `line ${location.line}, column ${location.column}: expected ${location.expected}`
        : (err as Error).message;
    } catch {
      where = (err as Error).message;
    }
    throw new ScenarioFileError(
      source,
      [
        {
          path: '',
          message: `invalid JSON at ${where}. Fix the syntax (no trailing commas or comments, keys in double quotes)`,
        },
      ],
      { cause: err },
    );
  }
}

/** Drops empty condition groups so "no conditions" has one representation. */
function normaliseConditions(conditions: Conditions | undefined): Conditions | undefined {
  if (!conditions) return undefined;
  const categorical = conditions.categorical && Object.keys(conditions.categorical).length > 0;
  const numeric = conditions.numeric && Object.keys(conditions.numeric).length > 0;
  if (!categorical && !numeric) return undefined;
  return {
    ...(categorical ? { categorical: conditions.categorical } : {}),
    ...(numeric ? { numeric: conditions.numeric } : {}),
  };
}

/**
 * Parses and validates a scenario file. `source` names the file in messages (e.g. its S3 URI).
 * Throws {@link ScenarioFileError} listing every problem (invalid JSON with line and column, or
 * each invalid field with its JSON path and how to fix it).
 */
export function parseScenarioFile(
  text: string,
  source: string,
  options: ParseScenarioFileOptions = {},
): Scenario[] {
  const maxRowCount = options.maxRowCount ?? VENDOR_MAX_ROW_COUNT;
  const json = parseJson(text, source);
  const result = fileSchema(maxRowCount).safeParse(json);
  const duplicates = duplicateNameProblems(json);
  if (!result.success || duplicates.length > 0) {
    const problems = [...(result.success ? [] : problemsFrom(result.error)), ...duplicates];
    throw new ScenarioFileError(source, sortProblems(problems), { cause: result.error });
  }
  return result.data.scenarios.map((scenario) => {
    const conditions = normaliseConditions(scenario.conditions);
    const quality = mergeSections(result.data.quality, scenario.quality);
    return {
      name: scenario.name,
      row_count: scenario.row_count,
      output_format: scenario.output_format,
      ...(scenario.seed === undefined ? {} : { seed: scenario.seed }),
      ...(scenario.description === undefined ? {} : { description: scenario.description }),
      ...(conditions ? { conditions } : {}),
      ...(quality ? { quality } : {}),
    };
  });
}

/** The scenarios of a feed without a scenario file: one unconditioned scenario, `default`. */
export function defaultScenarios(): Scenario[] {
  return [{ name: DEFAULT_SCENARIO_NAME, row_count: DEFAULT_ROW_COUNT, output_format: 'parquet' }];
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = canonicalValue(item);
    }
    return out;
  }
  return value;
}

/**
 * The scenario as JSON with keys sorted at every level and undefined fields left out, so equal
 * scenarios give equal strings whatever their key order; input of the generation idempotency key.
 * `description` is documentation and `quality` judges the output: editing either does not make a
 * new generation.
 */
export function canonicalScenarioJson(scenario: Scenario): string {
  const { description: _description, quality: _quality, ...rest } = scenario;
  return JSON.stringify(canonicalValue(rest));
}
