/**
 * The feed's scenario file (`seeds/<feed>/scenarios.json`, or the default scenario when there is
 * none), parsed and checked against everything knowable without the dataset's schema. Read
 * before the seed is uploaded, so a bad file costs no vendor training, and again after training
 * to resolve the conditions against the cleaned schema.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InputValidationError, failure } from '../contracts/state-errors.ts';
import {
  ScenarioFileError,
  defaultScenarios,
  parseScenarioFile,
  type Scenario,
} from '../conditions/scenario-file.ts';
import { SCENARIO_FILE_NAME } from './seed-object.ts';
import { checkScenarioFileFits } from './state-budget.ts';

export interface FeedScenarios {
  /** The scenarios the run will generate, in the file's order. */
  readonly scenarios: Scenario[];
  /** `s3://bucket/key#versionId` of the scenario file, or `default`. */
  readonly source: string;
}

async function readScenarioFile(
  s3: S3Client,
  bucket: string,
  feed: string,
): Promise<{ text: string; source: string } | null> {
  const key = `seeds/${feed}/${SCENARIO_FILE_NAME}`;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    return { text, source: `s3://${bucket}/${key}${out.VersionId ? `#${out.VersionId}` : ''}` };
  } catch (err) {
    if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return null;
    throw err;
  }
}

/**
 * The feed's scenarios named in `requested` (in the feed's order), or all of them when nothing
 * is requested. An unknown name throws InputValidationError `unknown_scenario`, naming it and
 * listing the feed's scenario names.
 */
export function selectScenarios(
  feed: string,
  available: readonly Scenario[],
  requested: readonly string[] | null | undefined,
): Scenario[] {
  if (!requested || requested.length === 0) return [...available];
  const names = new Set(available.map((s) => s.name));
  const unknown = [...new Set(requested)].filter((name) => !names.has(name));
  if (unknown.length > 0) {
    const quoted = (list: Iterable<string>): string => [...list].map((n) => `"${n}"`).join(', ');
    throw new InputValidationError(
      failure(
        'unknown_scenario',
        `Feed "${feed}" has no scenario ${quoted(unknown)}; its scenarios are ${quoted(names)}.`,
      ),
    );
  }
  const wanted = new Set(requested);
  return available.filter((s) => wanted.has(s.name));
}

/**
 * Reads, parses and selects the feed's scenarios. A malformed file throws InputValidationError
 * `invalid_scenario_file` listing every problem with its JSON path and fix. Before training (no
 * `datasetId` yet), a file whose resolved scenarios could not fit a Step Functions state throws
 * `scenario_file_too_large` (state-budget.ts); after training the exact size is checked instead.
 */
export async function loadFeedScenarios(
  s3: S3Client,
  input: {
    readonly bucket: string;
    readonly feed: string;
    readonly requested?: readonly string[] | null | undefined;
    readonly datasetId?: string | null | undefined;
  },
): Promise<FeedScenarios> {
  const file = await readScenarioFile(s3, input.bucket, input.feed);
  let available: Scenario[];
  try {
    available = file ? parseScenarioFile(file.text, file.source) : defaultScenarios();
  } catch (err) {
    if (err instanceof ScenarioFileError) {
      throw new InputValidationError(
        failure(
          'invalid_scenario_file',
          `${err.message}\nFix the file, upload it again, then drop the seed again` +
            (input.datasetId ? '.' : ' (no vendor training was started for this seed).'),
          input.datasetId ? { dataset_id: input.datasetId } : {},
        ),
        { cause: err },
      );
    }
    throw err;
  }
  const scenarios = selectScenarios(input.feed, available, input.requested);
  if (!input.datasetId) checkScenarioFileFits(input.feed, scenarios);
  return { scenarios, source: file?.source ?? 'default' };
}
