/**
 * The waiting parts of BENCHMARKS.md (issue 16 rows "state transitions per single-scenario run"
 * and "wasted polls"): their target checks, and the cost and vendor-economy sections.
 */
import type { BenchResult } from './common.ts';
import type { CostData, PolicyCost } from './cost.ts';
import { fmt, table, verdict, type TargetCheck } from './report-format.ts';
import type { EconomyData } from './vendor-economy.ts';

const usd = (n: number): string => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

function pollsOf(p: PolicyCost | undefined): string {
  return p ? `${p.measured.trainingPolls} + ${p.measured.generationPolls} polls` : '–';
}

/** The transitions and wasted-polls targets. */
export function waitingChecks(cost: CostData | undefined, economy: EconomyData | undefined): TargetCheck[] {
  const pipeline = cost?.policies.find((p) => p.policy === 'pipeline');
  const first = cost?.policies.find((p) => p.policy === 'pipeline-cold');
  const naive = cost?.policies.find((p) => p.policy === 'naive');
  const maxTransitions = cost?.targets.maxTransitionsPerSingleScenarioRun ?? 30;
  const minRatio = cost?.targets.minNaiveOverPipelineTransitions ?? 20;
  const transitions = pipeline?.measured.stateTransitions ?? null;
  const fewer =
    pipeline && naive ? naive.measured.stateTransitions / pipeline.measured.stateTransitions : null;
  const transitionsMet =
    transitions === null || fewer === null ? null : transitions <= maxTransitions && fewer >= minRatio;
  const firstRun = first
    ? ` First run of a feed (no job history yet): ${first.measured.stateTransitions} (${pollsOf(first)}).`
    : '';
  const wastedShare = economy?.targets.maxWastedPollShare ?? 1 / 3;
  const wasted = economy ? economy.wastedPolls / Math.max(1, economy.totalPolls) : null;
  return [
    {
      target:
        `≤ ${maxTransitions} state transitions per single-scenario run (training ${cost?.trainingSeconds ?? 300} s, ` +
        `generation ${cost?.generationSeconds ?? 120} s) and ≥ ${minRatio}× fewer than 2-s polling`,
      measured:
        pipeline && naive
          ? `${pipeline.measured.stateTransitions} (analytic ${pipeline.analytic.stateTransitions}; ${pollsOf(pipeline)}), ` +
            `${fmt(fewer, 1)}× fewer than 2-s polling (${naive.measured.stateTransitions}).${firstRun}`
          : '–',
      verdict: verdict(transitionsMet),
      limitedBy:
        transitionsMet === false && pipeline
          ? `Each poll costs 3 transitions (Wait, Poll, Choice) on top of 9 fixed ones, so ≤ ${maxTransitions} allows ` +
            `${Math.floor((maxTransitions - 9) / 3)} polls per run; this run made ${pollsOf(pipeline)}: the first poll came ` +
            `before the job ended, which the feed's recorded durations should have prevented.`
          : null,
    },
    {
      target: `Wasted polls (found the job still running) ≤ 1 in ${fmt(1 / wastedShare, 0)}`,
      measured: economy
        ? `${economy.wastedPolls} of ${economy.totalPolls}` +
          (economy.cold
            ? `; first run of a feed (no job history yet): ${economy.cold.wastedPolls} of ${economy.cold.totalPolls}`
            : '')
        : '–',
      verdict: verdict(wasted === null ? null : wasted <= wastedShare + 1e-9),
      limitedBy:
        wasted !== null && wasted > wastedShare + 1e-9 && economy
          ? `With a training and a generation, ≤ 1 in ${fmt(1 / wastedShare, 0)} allows one early poll in the run; ` +
            `${economy.wastedPolls} came early (expected ends placed from the feed's recorded durations).`
          : null,
    },
  ];
}

const MACHINE_LABEL: Readonly<Record<PolicyCost['policy'], string>> = {
  pipeline:
    "this pipeline, the feed's next run: first poll just after the end its recorded durations predict, then tight steps",
  'pipeline-cold':
    "this pipeline, a feed's first run (no history: first wait 15 s / 10 s, ×2, cap 120 s, ±10 %)",
  naive: 'naive: fixed 2 s polling (vendor quickstart)',
};

export function costSection(r: BenchResult<CostData> | null): string {
  if (!r) return '## 2. Cost per run\n\nNot measured in this run.\n';
  const d = r.data;
  const rows = d.policies.map((p) => [
    MACHINE_LABEL[p.policy],
    `${p.measured.stateTransitions} (${p.analytic.stateTransitions})`,
    `${p.measured.trainingPolls} + ${p.measured.generationPolls} (${p.analytic.trainingPolls} + ${p.analytic.generationPolls})`,
    `${p.measured.lambdaRequests} (${p.analytic.lambdaRequests})`,
    fmt(p.measured.lambdaGbSeconds, 3),
    usd(p.measured.dollars.stepFunctions),
    usd(p.measured.dollars.lambdaRequests + p.measured.dollars.lambdaDuration),
    usd(p.measured.dollars.total),
  ]);
  return [
    '## 2. Cost per run',
    '',
    `One single-scenario ingest run, training ${d.trainingSeconds} s and generation ${d.generationSeconds} s, clock scaled 1:${d.scale}. Method: ${d.method}`,
    '',
    table(
      [
        'machine',
        'state transitions (analytic)',
        'polls training + generation (analytic)',
        'Lambda requests (analytic)',
        'Lambda GB-s',
        'Step Functions',
        'Lambda',
        'total per run',
      ],
      rows,
    ),
    '',
    `Naive / pipeline (feed with history): ${fmt(d.naiveOverPipeline.stateTransitions, 1)}× the transitions, ${fmt(d.naiveOverPipeline.dollars, 1)}× the dollars per run.`,
    '',
    'Analytic transitions for other job lengths (jitter at its midpoint; with history = one earlier job of the same length):',
    '',
    table(
      [
        'training s',
        'generation s',
        'pipeline, with history',
        'pipeline, first run',
        'naive 2 s',
        'naive / pipeline',
      ],
      d.analyticTable.map((t) => [
        t.trainingSeconds,
        t.generationSeconds,
        t.pipeline,
        t.pipelineCold ?? '–',
        t.naive,
        fmt(t.naive / t.pipeline, 1),
      ]),
    ),
    '',
    `Prices: Step Functions Standard $${fmt(d.prices.perStateTransition * 1000, 3)} per 1,000 transitions; Lambda arm64 $${d.prices.perLambdaGbSecond} per GB-s and $${fmt(d.prices.perLambdaRequest * 1e6, 2)} per 1M requests. Source: ${d.prices.source}.`,
  ].join('\n');
}

export function economySection(r: BenchResult<EconomyData> | null): string {
  if (!r) return '## 3. Vendor economy\n\nNot measured in this run.\n';
  const d = r.data;
  const cold = d.cold;
  return [
    '## 3. Vendor economy',
    '',
    `Vendor calls of one run (training ${d.trainingSeconds} s, generation ${d.generationSeconds} s) of a feed that ran once before, from the simulator's counters:`,
    '',
    table(
      ['route', 'calls per run'],
      Object.entries(d.callsByRoute)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([route, n]) => [`\`${route}\``, n]),
    ),
    '',
    table(
      ['', 'this pipeline', ...(cold ? ["this pipeline, feed's first run"] : []), 'naive 2 s polling'],
      [
        ['vendor calls per run', d.totalCalls, ...(cold ? [cold.totalCalls] : []), d.naive.totalCalls],
        ['job polls', d.totalPolls, ...(cold ? [cold.totalPolls] : []), d.naive.totalPolls],
        [
          'polls that found nothing new (waste)',
          d.wastedPolls,
          ...(cold ? [cold.wastedPolls] : []),
          d.naive.wastedPolls,
        ],
      ],
    ),
    '',
    `Naive / pipeline vendor calls: ${fmt(d.naiveOverPipelineCalls, 1)}×. Token mints in the run: ${d.tokenMintsPerRun}.`,
    '',
    'Token mints when 100 runs start, each in its own container (own token provider) sharing the DynamoDB token cache (KMS-encrypted, on moto):',
    '',
    table(
      ['shape', 'runs', 'token mints'],
      d.tokenMints.map((c) => [c.shape, c.runs, c.tokenMints]),
    ),
  ].join('\n');
}
