/**
 * Validation of `SimulacraPipelineProps`: every problem is collected first and thrown as one
 * error, each message naming the bad value and how to fix it, so a user fixes all of them in one
 * edit instead of one synth per mistake.
 */
import { SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import { FEED_NAME_RULE, SCENARIO_NAME_RULE, nameProblem, type NameRule } from '../src/names/rules.ts';
import { gateProblems } from '../src/quality/gate-settings.ts';
import { pipelineFunctions } from './pipeline-functions.ts';
import { scheduleConstructId, type SimulacraPipelineProps } from './pipeline-props.ts';

/** Allowed range of the ASL Map state's `MaxConcurrency` (the vendor's per-tenant fan-out budget). */
export const MAP_MAX_CONCURRENCY_RANGE = { min: 1, max: 40 } as const;

/** Allowed range of the reserved concurrency of each vendor-calling function. */
export const VENDOR_CONCURRENCY_RANGE = { min: 1, max: 100 } as const;

/** Feed names: the runtime's rule (`src/names/rules.ts`), so what synthesizes also runs. */
export const FEED_NAME_PATTERN = FEED_NAME_RULE.pattern;

/** Scenario names select entries of `seeds/<feed>/scenarios.json`: the scenario file's rule. */
export const SCENARIO_NAME_PATTERN = SCENARIO_NAME_RULE.pattern;

/** Glue database names: lowercase letters, digits and underscores (Athena-safe without quoting). */
export const GLUE_DATABASE_NAME_PATTERN = /^[a-z0-9_]{1,255}$/;

/** Credential rotation must run between every 4 hours and every 1000 days (Secrets Manager limits). */
export const ROTATION_DAYS_RANGE = { min: 1, max: 1000 } as const;

/** Flexible window of a schedule: 1..1440 minutes (EventBridge Scheduler limits). */
export const FLEXIBLE_WINDOW_MINUTES_RANGE = { min: 1, max: 1440 } as const;

/** The props of a `SimulacraPipeline` are invalid; `problems` lists each one with its fix. */
export class SimulacraPipelinePropsError extends Error {
  override readonly name = 'SimulacraPipelinePropsError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `Invalid SimulacraPipeline props (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.problems = problems;
  }
}

function isInteger(value: number): boolean {
  return Number.isInteger(value);
}

function checkIntegerRange(
  problems: string[],
  name: string,
  value: number | undefined,
  range: { readonly min: number; readonly max: number },
  fix: string,
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!isInteger(value) || value < range.min || value > range.max) {
    problems.push(
      `${name} is ${String(value)}; it must be an integer from ${range.min} to ${range.max}. ${fix}`,
    );
  }
}

/** `vpcSubnets` and `securityGroups` place functions in `vpc`, so they need it. */
function checkNetwork(problems: string[], props: SimulacraPipelineProps): void {
  for (const name of ['vpcSubnets', 'securityGroups'] as const) {
    if (props.vpc === undefined && props[name] !== undefined) {
      problems.push(
        `${name} is set but vpc is not; pass the vpc the functions should run in, or remove ${name}.`,
      );
    }
  }
  if (props.securityGroups?.length === 0) {
    problems.push('securityGroups is empty; pass at least one group, or omit it for the default group.');
  }
}

function checkName(problems: string[], where: string, value: string, pattern: RegExp, rule: string): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) problems.push(`${where} "${value}" is invalid; ${rule}.`);
}

/** A name checked against the runtime's rule; the problem names the rule and a valid example. */
function checkRuleName(problems: string[], where: string, value: string, rule: NameRule, why: string): void {
  if (Token.isUnresolved(value)) return;
  const problem = nameProblem(rule, value);
  if (problem !== null) problems.push(`${where}: ${problem} (${why}).`);
}

const feedWhy = 'it becomes the seeds/<feed>/ prefix, the feed=<feed> partition and the Glue table name';

function duplicatesOf(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) duplicates.add(value);
    seen.add(value);
  }
  return [...duplicates];
}

function validateFeedsAndSchedules(props: SimulacraPipelineProps, problems: string[]): void {
  const feeds = props.feeds ?? [];
  feeds.forEach((feed, index) => checkRuleName(problems, `feeds[${index}]`, feed, FEED_NAME_RULE, feedWhy));
  for (const duplicate of duplicatesOf(feeds)) {
    problems.push(`feeds lists "${duplicate}" more than once; list each feed once.`);
  }
  const declared = new Set(feeds);
  const seenSlots = new Set<string>();
  const seenIds = new Set<string>();
  (props.schedules ?? []).forEach((schedule, index) => {
    const where = `schedules[${index}]`;
    checkRuleName(problems, `${where}.feed`, schedule.feed, FEED_NAME_RULE, feedWhy);
    if (props.feeds !== undefined && !declared.has(schedule.feed) && !Token.isUnresolved(schedule.feed)) {
      problems.push(
        `${where}.feed "${schedule.feed}" is not one of feeds [${feeds.join(', ')}]; add it to feeds or fix the name.`,
      );
    }
    const scenarios = schedule.scenarios ?? [];
    if (schedule.scenarios !== undefined && scenarios.length === 0) {
      problems.push(
        `${where}.scenarios is empty; omit it to run every scenario of the feed, or name at least one scenario.`,
      );
    }
    scenarios.forEach((scenario, scenarioIndex) =>
      checkRuleName(
        problems,
        `${where}.scenarios[${scenarioIndex}]`,
        scenario,
        SCENARIO_NAME_RULE,
        'use the scenario name from seeds/<feed>/scenarios.json',
      ),
    );
    for (const duplicate of duplicatesOf(scenarios)) {
      problems.push(`${where}.scenarios lists "${duplicate}" more than once; list each scenario once.`);
    }
    const window = schedule.flexibleWindow;
    if (window !== undefined && !window.isUnresolved()) {
      const minutes = window.toMinutes({ integral: false });
      if (
        !isInteger(minutes) ||
        minutes < FLEXIBLE_WINDOW_MINUTES_RANGE.min ||
        minutes > FLEXIBLE_WINDOW_MINUTES_RANGE.max
      ) {
        problems.push(
          `${where}.flexibleWindow is ${window.toHumanString()}; use whole minutes from ${FLEXIBLE_WINDOW_MINUTES_RANGE.min} to ${FLEXIBLE_WINDOW_MINUTES_RANGE.max} (e.g. Duration.minutes(15)).`,
        );
      }
    }
    const slot = `${schedule.feed}|${schedule.schedule.expressionString}|${[...scenarios].sort().join(',')}`;
    if (seenSlots.has(slot)) {
      problems.push(
        `${where} repeats feed "${schedule.feed}" with the same schedule and scenarios as an earlier entry; remove the duplicate (it would generate the same data twice).`,
      );
    }
    seenSlots.add(slot);
    if (schedule.name !== undefined) {
      checkRuleName(problems, `${where}.name`, schedule.name, SCENARIO_NAME_RULE, 'it keys the schedule');
    }
    const id = scheduleConstructId(schedule);
    if (schedule.name !== undefined && seenIds.has(id)) {
      problems.push(
        `${where}.name "${schedule.name}" is taken by an earlier schedule; give each schedule its own name.`,
      );
    }
    seenIds.add(id);
  });
}

export const FUNCTION_MEMORY_MB_RANGE = { min: 128, max: 10240 } as const;
export const FUNCTION_TIMEOUT_SECONDS_RANGE = { min: 1, max: 900 } as const;
export const RESERVED_CONCURRENCY_RANGE = { min: 0, max: 1000 } as const;
export const EPHEMERAL_STORAGE_MB_RANGE = { min: 512, max: 10240 } as const;

function validateFunctionOverrides(props: SimulacraPipelineProps, problems: string[]): void {
  const ids = pipelineFunctions.map((spec) => spec.id);
  for (const [id, override] of Object.entries(props.functionOverrides ?? {})) {
    const where = `functionOverrides.${id}`;
    if (!ids.includes(id)) {
      problems.push(`${where}: there is no function "${id}"; use one of ${ids.join(', ')}.`);
    }
    checkIntegerRange(
      problems,
      `${where}.memorySize`,
      override.memorySize,
      FUNCTION_MEMORY_MB_RANGE,
      'Lambda memory is set in MB.',
    );
    checkIntegerRange(
      problems,
      `${where}.reservedConcurrency`,
      override.reservedConcurrency,
      RESERVED_CONCURRENCY_RANGE,
      'Omit it to keep the default.',
    );
    const storage = override.ephemeralStorageSize;
    if (storage !== undefined && !storage.isUnresolved()) {
      const mib = storage.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
      if (!isInteger(mib) || mib < EPHEMERAL_STORAGE_MB_RANGE.min || mib > EPHEMERAL_STORAGE_MB_RANGE.max) {
        problems.push(
          `${where}.ephemeralStorageSize is ${mib} MiB; use whole MiB from 512 to 10240 (Lambda's /tmp range), e.g. Size.gibibytes(2).`,
        );
      }
    }
    const timeout = override.timeout;
    if (timeout !== undefined && !timeout.isUnresolved()) {
      const seconds = timeout.toSeconds({ integral: false });
      if (
        !isInteger(seconds) ||
        seconds < FUNCTION_TIMEOUT_SECONDS_RANGE.min ||
        seconds > FUNCTION_TIMEOUT_SECONDS_RANGE.max
      ) {
        problems.push(
          `${where}.timeout is ${timeout.toHumanString()}; use whole seconds from 1 to 900 (Lambda's limit), e.g. Duration.minutes(5).`,
        );
      }
    }
  }
}

/**
 * Checks `props` and throws one `SimulacraPipelinePropsError` listing every problem.
 * Values that are unresolved CDK tokens are accepted as given.
 */
export function validateSimulacraPipelineProps(props: SimulacraPipelineProps): void {
  const problems: string[] = [];
  checkIntegerRange(
    problems,
    'mapMaxConcurrency',
    props.mapMaxConcurrency,
    MAP_MAX_CONCURRENCY_RANGE,
    'It caps how many scenarios one run generates in parallel; the default is 4.',
  );
  checkIntegerRange(
    problems,
    'vendorConcurrency',
    props.vendorConcurrency,
    VENDOR_CONCURRENCY_RANGE,
    'It reserves Lambda concurrency per vendor-calling function; omit it to use unreserved concurrency.',
  );
  checkVendorPacing(problems, props);
  if ('mode' in props) {
    problems.push(
      'mode was removed in 0.2.0 (it only restated whether artifactDecryptionKey is set): delete it, and for enterprise delivery pass artifactDecryptionKey.',
    );
  }
  if (props.artifactDecryptionKey === undefined && props.artifactTenantId !== undefined) {
    problems.push(
      'artifactTenantId is set without artifactDecryptionKey (managed delivery has no envelope to check); pass artifactDecryptionKey for enterprise delivery, or remove artifactTenantId.',
    );
  }
  const tenant = props.artifactTenantId;
  if (tenant !== undefined && !Token.isUnresolved(tenant) && !/^[A-Za-z0-9_-]{1,128}$/.test(tenant)) {
    problems.push(
      `artifactTenantId "${tenant}" is not a Simulacra tenant id; use the id from your agreement, e.g. ten_3fa85f64.`,
    );
  }
  checkNetwork(problems, props);
  if (props.glueDatabaseName !== undefined) {
    checkName(
      problems,
      'glueDatabaseName',
      props.glueDatabaseName,
      GLUE_DATABASE_NAME_PATTERN,
      'use 1-255 lowercase letters, digits or underscores (e.g. "simulacra_synthetic")',
    );
  }
  if (props.apiBase !== undefined && !Token.isUnresolved(props.apiBase)) {
    let url: URL | null = null;
    try {
      url = new URL(props.apiBase);
    } catch {
      url = null;
    }
    if (url === null || url.protocol !== 'https:') {
      problems.push(
        `apiBase "${props.apiBase}" is not an https URL; use the API origin Simulacra gave you, e.g. "https://api.simulacra-data.com".`,
      );
    }
  }
  const rotation = props.credentialsRotation?.schedule;
  if (rotation !== undefined && !rotation.isUnresolved()) {
    const days = rotation.toHours({ integral: false }) / 24;
    if (!isInteger(days) || days < ROTATION_DAYS_RANGE.min || days > ROTATION_DAYS_RANGE.max) {
      problems.push(
        `credentialsRotation.schedule is ${rotation.toHumanString()}; use whole days from ${ROTATION_DAYS_RANGE.min} to ${ROTATION_DAYS_RANGE.max} (e.g. Duration.days(30)).`,
      );
    }
  }
  if (props.credentialsRotation !== undefined && props.credentialsSecret !== undefined) {
    problems.push(
      'credentialsRotation is set together with an existing credentialsSecret; rotation is only wired for the secret this construct creates. Rotate the existing secret where it is defined, or drop credentialsSecret.',
    );
  }
  validateFeedsAndSchedules(props, problems);
  validateFunctionOverrides(props, problems);
  problems.push(...gateProblems(props.quality?.gate));
  if (props.quality?.metricsTableName !== undefined) {
    checkName(
      problems,
      'quality.metricsTableName',
      props.quality.metricsTableName,
      GLUE_DATABASE_NAME_PATTERN,
      'use lowercase letters, digits or underscores (Athena-safe), e.g. "quality_metrics"',
    );
  }
  if (problems.length > 0) throw new SimulacraPipelinePropsError(problems);
}

/** `vendorRequestsPerSecond` (0.1..1000) and `vendorRequestBurst` (integer 1..1000, needs a rate). */
function checkVendorPacing(problems: string[], props: SimulacraPipelineProps): void {
  const rate = props.vendorRequestsPerSecond;
  if (
    rate !== undefined &&
    !Token.isUnresolved(rate) &&
    !(Number.isFinite(rate) && rate >= 0.1 && rate <= 1000)
  ) {
    problems.push(
      `vendorRequestsPerSecond is ${rate}; use a number from 0.1 to 1000 (e.g. 10), a little below the rate your Simulacra agreement allows.`,
    );
  }
  checkIntegerRange(
    problems,
    'vendorRequestBurst',
    props.vendorRequestBurst,
    { min: 1, max: 1000 },
    'It is how many vendor requests may go at once after a quiet spell.',
  );
  if (props.vendorRequestBurst !== undefined && rate === undefined) {
    problems.push(
      'vendorRequestBurst is set without vendorRequestsPerSecond; set the rate too, or remove the burst.',
    );
  }
}
