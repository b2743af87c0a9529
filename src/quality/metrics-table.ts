/**
 * The quality metrics table: one row per landed generation (published or quarantined), one JSON
 * object per row under `_quality/metrics/`, read by Athena through a Glue table the construct
 * creates (OpenX JSON SerDe; names `[a-z0-9_]`). Pure data: the construct imports it at synth.
 */

export const QUALITY_PREFIX = '_quality';
export const METRICS_PREFIX = `${QUALITY_PREFIX}/metrics/`;
export const DEFAULT_METRICS_TABLE_NAME = 'quality_metrics';
export const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

/** Columns in table order, with their Glue (Hive) types. */
export const METRICS_COLUMNS = [
  ['generation_id', 'string'],
  ['run_id', 'string'],
  ['feed', 'string'],
  ['scenario', 'string'],
  ['dt', 'string'],
  ['landed_at', 'string'],
  ['published', 'boolean'],
  ['failed_metrics', 'string'],
  ['output_key', 'string'],
  ['manifest_key', 'string'],
  ['report_version', 'int'],
  ['seed_rows', 'bigint'],
  ['synthetic_rows', 'bigint'],
  ['fidelity_score', 'double'],
  ['fidelity_holdout_score', 'double'],
  ['column_score', 'double'],
  ['pair_score', 'double'],
  ['exact_match_share', 'double'],
  ['exact_match_excess', 'double'],
  ['exact_match_holdout_share', 'double'],
  ['qi_match_share', 'double'],
  ['qi_match_excess', 'double'],
  ['dcr_synthetic_p5', 'double'],
  ['dcr_holdout_p5', 'double'],
  ['dcr_close_share', 'double'],
  ['dcr_median_ratio', 'double'],
  ['rare_levels', 'bigint'],
  ['rare_levels_reproduced', 'bigint'],
  ['rare_category_share', 'double'],
  ['rare_category_holdout_share', 'double'],
  ['pass_through_columns', 'string'],
] as const;

export type MetricsColumn = (typeof METRICS_COLUMNS)[number][0];
export type MetricsRow = Readonly<Record<MetricsColumn, string | number | boolean | null>>;

/** Key of a generation's metrics row. */
export function metricsKey(generationId: string): string {
  return `${METRICS_PREFIX}${generationId}.json`;
}

/** The Glue `TableInput` of the metrics table (for the construct and the local world). */
export function metricsTableInput(name: string, bucketName: string) {
  return {
    name,
    description: 'Simulacra quality report: one row per landed generation (fidelity, privacy, publish gate)',
    tableType: 'EXTERNAL_TABLE',
    parameters: { classification: 'json', EXTERNAL: 'TRUE' },
    storageDescriptor: {
      location: `s3://${bucketName}/${METRICS_PREFIX}`,
      inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      serdeInfo: { serializationLibrary: JSON_SERDE, parameters: { 'ignore.malformed.json': 'FALSE' } },
      columns: METRICS_COLUMNS.map(([columnName, type]) => ({ name: columnName, type })),
    },
  };
}
