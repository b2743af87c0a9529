/**
 * Athena's naming rules, and the deterministic mapping of vendor column names onto them.
 *
 * Athena (and Glue tables meant for Athena) accept only lower-case `[a-z0-9_]` in table and column
 * names, at most 255 characters. The vendor's cleaned names follow R's `make.names`
 * (`Body.Mass..g.`, `purchase.intent`), so every landed column gets an Athena name:
 *
 * 1. accents are folded (`café` -> `cafe`), letters lower-cased;
 * 2. every run of other characters becomes one `_`, leading/trailing `_` are trimmed
 *    (`Body.Mass..g.` -> `body_mass_g`); an empty result becomes `col`;
 * 3. a leading digit gets a `c_` prefix (`1st.wave` -> `c_1st_wave`), so the name needs no quotes;
 * 4. Athena's reserved SQL keywords get a trailing `_` (`order` -> `order_`);
 * 5. names longer than 255 characters are cut and end with 8 hex digits of the original's SHA-256;
 * 6. a name already taken (an earlier column, or a partition key such as `dt`) gets `_2`, `_3`, ...
 *    in column order, so two vendor columns never share a Glue column.
 *
 * The result depends only on the column names and their order, so the same file always maps the
 * same way.
 */
import { createHash } from 'node:crypto';
import type { LandedColumn } from './columns.ts';
import { PARTITION_KEY_NAMES } from './layout.ts';

/** Longest table or column name Glue/Athena accepts. */
export const MAX_ATHENA_NAME_LENGTH = 255;

const ATHENA_NAME = /^[a-z0-9_]{1,255}$/;

/** Keywords Athena's SQL engine reserves in queries (they would need double quotes). */
const RESERVED_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'alter and as between by case cast constraint create cross cube current_catalog current_date ' +
    'current_path current_role current_schema current_time current_timestamp current_user deallocate ' +
    'delete describe distinct drop else end escape except execute exists extract false fetch for from ' +
    'full group grouping having in inner insert intersect into is join json_array json_exists ' +
    'json_object json_query json_table json_value left like listagg localtime localtimestamp natural ' +
    'normalize not null on or order outer prepare recursive right rollup select skip table then trim ' +
    'true uescape union unnest using values when where with'
  ).split(' '),
);

/** True when `name` is a valid Athena table or column name as it stands. */
export function isAthenaName(name: string): boolean {
  return ATHENA_NAME.test(name);
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

function fitLength(name: string, original: string, reserve: number): string {
  const max = MAX_ATHENA_NAME_LENGTH - reserve;
  return name.length <= max ? name : `${name.slice(0, max - 9)}_${shortHash(original)}`;
}

/**
 * The Athena form of one name (rules 1-5 above), before de-duplication. `reserve` keeps room for
 * a suffix the caller appends (e.g. `_csv`).
 */
export function athenaName(original: string, reserve = 0): string {
  let name = original
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') name = 'col';
  if (/^[0-9]/.test(name)) name = `c_${name}`;
  if (RESERVED_KEYWORDS.has(name)) name = `${name}_`;
  return fitLength(name, original, reserve);
}

/**
 * Athena names for `originals` in order (rule 6: unique, and distinct from every name in `taken`,
 * e.g. the table's partition keys).
 */
export function athenaColumnNames(originals: readonly string[], taken: Iterable<string> = []): string[] {
  const used = new Set(taken);
  return originals.map((original) => {
    const base = athenaName(original);
    let name = base;
    for (let n = 2; used.has(name); n += 1) {
      const suffix = `_${n}`;
      name = `${fitLength(base, original, suffix.length)}${suffix}`;
    }
    used.add(name);
    return name;
  });
}

/** `columns` with their Athena names (distinct from each other and from the partition keys). */
export function withAthenaNames(columns: readonly LandedColumn[]): LandedColumn[] {
  const names = athenaColumnNames(
    columns.map((c) => c.name),
    PARTITION_KEY_NAMES,
  );
  return columns.map((c, i) => ({ ...c, athenaName: names[i]! }));
}
