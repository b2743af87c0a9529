/**
 * Settings of the quality report and its publish gate. Defaults live here (the construct passes
 * its own through the landing function's environment); a scenario's `quality` section in
 * `scenarios.json` overrides them per scenario:
 *
 * ```json
 * "quality": {"quasi_identifiers": ["Island", "Sex"], "rare_category_k": 5,
 *             "gate": {"max_exact_match_excess": 0, "max_dcr_close_share": 0.2}}
 * ```
 *
 * A gate threshold set to `null` turns that check off.
 */
import * as z from '../contracts/zod.ts';
import { DEFAULT_GATE, type QualityGateThresholds } from './gate-settings.ts';

export { DEFAULT_GATE, gateProblems, gateToJson, type QualityGateThresholds } from './gate-settings.ts';

export interface QualitySettings {
  readonly gate: QualityGateThresholds;
  /** Customer column names forming the quasi-identifier set (empty: not measured). */
  readonly quasiIdentifiers: readonly string[];
  /** A seed category with fewer rows than this is rare. Default 5. */
  readonly rareCategoryK: number;
}

export const DEFAULT_RARE_CATEGORY_K = 5;

export const DEFAULT_SETTINGS: QualitySettings = {
  gate: DEFAULT_GATE,
  quasiIdentifiers: [],
  rareCategoryK: DEFAULT_RARE_CATEGORY_K,
};

const share = z.nullable(
  z
    .number({ error: 'must be a number between 0 and 1, or null to turn the check off' })
    .check(z.gte(0, { error: 'must be between 0 and 1' }), z.lte(1, { error: 'must be between 0 and 1' })),
);

/** The `quality` section of a scenario (or of the whole file), as the customer writes it. */
export const qualitySectionSchema = z.strictObject(
  {
    quasi_identifiers: z.optional(
      z
        .array(z.string().check(z.minLength(1, { error: 'column name is empty' })), {
          error: 'must be an array of column names, e.g. ["zip", "birth_year", "sex"]',
        })
        .check(z.maxLength(50, { error: 'names more than 50 columns' })),
    ),
    rare_category_k: z.optional(
      z
        .number({ error: 'must be a whole number of rows, e.g. 5' })
        .check(
          z.int({ error: 'must be a whole number of rows, e.g. 5' }),
          z.gte(1, { error: 'must be at least 1' }),
          z.lte(1000, { error: 'must be at most 1000' }),
        ),
    ),
    gate: z.optional(
      z.strictObject(
        {
          max_exact_match_excess: z.optional(share),
          max_quasi_identifier_match_excess: z.optional(share),
          max_dcr_close_share: z.optional(share),
          min_dcr_median_ratio: z.optional(
            z.nullable(
              z
                .number({ error: 'must be a non-negative number, or null to turn the check off' })
                .check(z.gte(0, { error: 'must not be negative' })),
            ),
          ),
          min_fidelity_score: z.optional(share),
          max_rare_category_excess: z.optional(share),
          block_pass_through: z.optional(z.boolean({ error: 'must be true or false' })),
        },
        { error: 'must be an object of gate thresholds, e.g. {"max_exact_match_excess": 0}' },
      ),
    ),
  },
  { error: 'must be an object {"quasi_identifiers"?, "rare_category_k"?, "gate"?}' },
);

export type QualitySection = z.infer<typeof qualitySectionSchema>;

/** Merges a file-level section with a scenario's own (the scenario wins, key by key). */
export function mergeSections(
  file: QualitySection | undefined,
  own: QualitySection | undefined,
): QualitySection | undefined {
  if (!file) return own;
  if (!own) return file;
  const gate = file.gate || own.gate ? { ...file.gate, ...own.gate } : undefined;
  return { ...file, ...own, ...(gate ? { gate } : {}) };
}

function pick<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** Settings for one scenario: its section (possibly absent or malformed) over the defaults. */
export function resolveSettings(
  section: unknown,
  defaults: QualitySettings = DEFAULT_SETTINGS,
): QualitySettings {
  const parsed = qualitySectionSchema.safeParse(section ?? {});
  const own = parsed.success ? parsed.data : {};
  const g = own.gate ?? {};
  const d = defaults.gate;
  return {
    quasiIdentifiers: own.quasi_identifiers ?? defaults.quasiIdentifiers,
    rareCategoryK: own.rare_category_k ?? defaults.rareCategoryK,
    gate: {
      maxExactMatchExcess: pick(g.max_exact_match_excess, d.maxExactMatchExcess),
      maxQuasiIdentifierMatchExcess: pick(
        g.max_quasi_identifier_match_excess,
        d.maxQuasiIdentifierMatchExcess,
      ),
      maxDcrCloseShare: pick(g.max_dcr_close_share, d.maxDcrCloseShare),
      minDcrMedianRatio: pick(g.min_dcr_median_ratio, d.minDcrMedianRatio),
      minFidelityScore: pick(g.min_fidelity_score, d.minFidelityScore),
      maxRareCategoryExcess: pick(g.max_rare_category_excess, d.maxRareCategoryExcess),
      blockPassThrough: pick(g.block_pass_through, d.blockPassThrough),
    },
  };
}

/** Gate defaults from a JSON text (the construct's environment), over {@link DEFAULT_GATE}. */
export function gateFromJson(text: string | undefined): QualityGateThresholds {
  if (!text) return DEFAULT_GATE;
  const section = qualitySectionSchema.shape.gate.parse(JSON.parse(text));
  return resolveSettings({ gate: section }).gate;
}
