/**
 * The waiting parts of BENCHMARKS.md (issue 16 rows "state transitions per single-scenario run"
 * and "wasted polls"): their target checks, and the cost and vendor-economy sections.
 */
import type { BenchResult } from './common.ts';
import type { CostData, PolicyCost } from './cost.ts';
import { fmt, table, verdict, type TargetCheck } from './report-format.ts';
import type { EconomyData, PollFigures } from './vendor-economy.ts';

const usd = (n: number): string => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

function pollsOf(p: PolicyCost | undefined): string {
  return p ? `${p.measured.trainingPolls} + ${p.measured.generationPolls} polls` : '–';
}

/** Transitions of `p` and how many times fewer than 2-s polling. */
function transitionsOf(p: PolicyCost, naive: PolicyCost | undefined): string {
  const fewer = naive ? naive.measured.stateTransitions / p.measured.stateTransitions : null;
  return `${p.measured.stateTransitions} (analytic ${p.analytic.stateTransitions}; ${pollsOf(p)}), ${fmt(fewer, 1)}× fewer than 2-s polling`;
}

/** Wasted polls of a run, as a share. */
const wastedShareOf = (f: PollFigures): number => f.wastedPolls / Math.max(1, f.totalPolls);

/**
 * The transitions and wasted-polls targets, judged on the runs whose first polls have recorded
 * durations to go by: a feed with history and a new feed's first run (the deployment prior). The
 * deployment's very first run has none; its figures are stated next to the verdict.
 */
export function waitingChecks(cost: CostData | undefined, economy: EconomyData | undefined): TargetCheck[] {
  const find = (policy: PolicyCost['policy']) => cost?.policies.find((p) => p.policy === policy);
  const [pipeline, newFeed, first, naive] = [
    find('pipeline'),
    find('pipeline-new-feed'),
    find('pipeline-cold'),
    find('naive'),
  ];
  const maxTransitions = cost?.targets.maxTransitionsPerSingleScenarioRun ?? 30;
  const minRatio = cost?.targets.minNaiveOverPipelineTransitions ?? 20;
  const meets = (p: PolicyCost): boolean =>
    naive !== undefined &&
    p.measured.stateTransitions <= maxTransitions &&
    naive.measured.stateTransitions / p.measured.stateTransitions >= minRatio;
  const judged = [pipeline, newFeed].filter((p): p is PolicyCost => p !== undefined);
  const transitionsMet = pipeline && naive ? judged.every(meets) : null;
  const wastedShare = economy?.targets.maxWastedPollShare ?? 1 / 3;
  const withinWaste = (f: PollFigures): boolean => wastedShareOf(f) <= wastedShare + 1e-9;
  const judgedEconomy = economy ? [economy, ...(economy.newFeed ? [economy.newFeed] : [])] : [];
  const wastedMet = economy ? judgedEconomy.every(withinWaste) : null;
  const outside = (ok: boolean): string => (ok ? '' : ', outside the target');
  return [
    {
      target:
        `≤ ${maxTransitions} state transitions per single-scenario run (training ${cost?.trainingSeconds ?? 300} s, ` +
        `generation ${cost?.generationSeconds ?? 120} s) and ≥ ${minRatio}× fewer than 2-s polling, ` +
        `for a feed with job history and a new feed's first run in a deployment that has run other feeds`,
      measured:
        pipeline && naive
          ? `Feed with history: ${transitionsOf(pipeline, naive)}.` +
            (newFeed ? ` New feed's first run (deployment prior): ${transitionsOf(newFeed, naive)}.` : '') +
            (first
              ? ` Deployment's very first run (no job recorded anywhere, backoff): ${transitionsOf(first, naive)}${outside(meets(first))}.`
              : '') +
            ` 2-s polling: ${naive.measured.stateTransitions}.`
          : '–',
      verdict: verdict(transitionsMet),
      limitedBy:
        transitionsMet === false
          ? `Each poll costs 3 transitions (Wait, Poll, Choice) on top of 14 fixed ones, so ≤ ${maxTransitions} allows ` +
            `${Math.floor((maxTransitions - 14) / 3)} polls per run; ` +
            judged
              .filter((p) => !meets(p))
              .map((p) => `${RUN_NAME[p.policy]} made ${pollsOf(p)}`)
              .join('; ') +
            ': the first poll came before the job ended, which the recorded durations should have prevented.'
          : null,
    },
    {
      target:
        `Wasted polls (found the job still running) ≤ 1 in ${fmt(1 / wastedShare, 0)}, ` +
        `for a feed with job history and a new feed's first run`,
      measured: economy
        ? `Feed with history: ${economy.wastedPolls} of ${economy.totalPolls}` +
          (economy.newFeed
            ? `; new feed's first run (deployment prior): ${economy.newFeed.wastedPolls} of ${economy.newFeed.totalPolls}`
            : '') +
          (economy.cold
            ? `; deployment's very first run (backoff): ${economy.cold.wastedPolls} of ${economy.cold.totalPolls}${outside(withinWaste(economy.cold))}`
            : '')
        : '–',
      verdict: verdict(wastedMet),
      limitedBy:
        wastedMet === false
          ? `With a training and a generation, ≤ 1 in ${fmt(1 / wastedShare, 0)} allows one early poll in the run; ` +
            'more came early (expected ends placed from the recorded durations).'
          : null,
    },
  ];
}

const RUN_NAME: Readonly<Record<PolicyCost['policy'], string>> = {
  pipeline: 'the feed with history',
  'pipeline-new-feed': "the new feed's first run",
  'pipeline-cold': "the deployment's very first run",
  naive: '2-s polling',
};

const MACHINE_LABEL: Readonly<Record<PolicyCost['policy'], string>> = {
  pipeline:
    'this pipeline, feed with history (its next run): first poll just after the end its recorded durations predict, then tight steps',
  'pipeline-new-feed':
    "this pipeline, a new feed's first run in a deployment that has run other feeds: first poll placed by the deployment prior (other feeds' recent jobs)",
  'pipeline-cold':
    "this pipeline, the deployment's very first run (no job recorded anywhere: first wait 15 s / 10 s, ×2, cap 120 s, ±10 %)",
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
    `Naive / pipeline (feed with history): ${fmt(d.naiveOverPipeline.stateTransitions, 1)}× the transitions, ${fmt(d.naiveOverPipeline.dollars, 1)}× the dollars per run.` +
      (d.naiveOverNewFeed
        ? ` Naive / pipeline (a new feed's first run): ${fmt(d.naiveOverNewFeed.stateTransitions, 1)}× the transitions, ${fmt(d.naiveOverNewFeed.dollars, 1)}× the dollars.`
        : ''),
    '',
    "Analytic transitions for other job lengths (jitter at its midpoint; with history = one earlier job of the same length, the feed's own or, for a new feed's first run, another feed's; first run = the deployment's):",
    '',
    table(
      [
        'training s',
        'generation s',
        "pipeline, with history (own or other feeds')",
        "pipeline, deployment's first run",
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
  const columns: Array<[string, PollFigures]> = [
    ['this pipeline, feed with history', d],
    ...(d.newFeed
      ? [["this pipeline, a new feed's first run (deployment prior)", d.newFeed] as [string, PollFigures]]
      : []),
    ...(d.cold ? [["this pipeline, the deployment's very first run", d.cold] as [string, PollFigures]] : []),
  ];
  return [
    '## 3. Vendor economy',
    '',
    `Vendor calls of one run (training ${d.trainingSeconds} s, generation ${d.generationSeconds} s) of a feed that ran once before (feed with history), from the simulator's counters:`,
    '',
    table(
      ['route', 'calls per run'],
      Object.entries(d.callsByRoute)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([route, n]) => [`\`${route}\``, n]),
    ),
    '',
    table(
      ['', ...columns.map(([name]) => name), 'naive 2 s polling'],
      [
        ['vendor calls per run', ...columns.map(([, f]) => f.totalCalls), d.naive.totalCalls],
        ['job polls', ...columns.map(([, f]) => f.totalPolls), d.naive.totalPolls],
        [
          'polls that found nothing new (waste)',
          ...columns.map(([, f]) => f.wastedPolls),
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
