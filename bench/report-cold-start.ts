/**
 * The cold-start part of BENCHMARKS.md (issue 16 rows 1-2): bundle size and module load per
 * function, their target checks, and where a missed load goes.
 */
import { median, type BenchResult } from './common.ts';
import type { BundleFigures, ColdStartData } from './cold-start.ts';
import { fmt, table, verdict, type TargetCheck } from './report-format.ts';

const bundleKib = (b: BundleFigures): number => b.bytes / 1024;

/** The measured runtime-SDK variant, as a clause: `: measured, RecordRun … (bundled: …)`. */
function runtimeSdkNote(d: ColdStartData | undefined): string {
  const r = d?.runtimeSdk;
  if (!r) return '';
  const bundled = d?.bundles.find((b) => b.id === r.id);
  return (
    `: measured in this run, ${r.id} with the SDK left external is ${r.kib} KiB but loads in ${fmt(r.loadRatio, 1)}× the ` +
    `trivial bundle with the SDK read from node_modules (bundled: ${bundled ? fmt(bundleKib(bundled), 0) : '–'} KiB, ` +
    `${fmt(bundled?.loadRatio ?? null, 1)}×)` +
    ((r.loadRatio ?? Infinity) >= (bundled?.loadRatio ?? Infinity)
      ? '; so the construct keeps bundling its pinned SDK'
      : '; the load would be faster, but the construct keeps its pinned SDK version')
  );
}

/** `min–max` of the trivial bundle's medians beside each bundle. */
function trivialRange(d: ColdStartData | undefined): string {
  const medians = (d?.bundles ?? []).flatMap((b) =>
    b.trivialLoadMsMedian === undefined ? [] : [b.trivialLoadMsMedian],
  );
  return medians.length === 0 ? '–' : `${fmt(Math.min(...medians), 1)}–${fmt(Math.max(...medians), 1)}`;
}

/** Cold-start targets: bundle size per function (LandArtifact apart) and module load vs trivial. */
export function coldStartChecks(d: ColdStartData | undefined): TargetCheck[] {
  const targets = d?.targets ?? { maxBundleKib: 300, maxLandArtifactBundleKib: 450, maxLoadRatio: 8 };
  const others = d?.bundles.filter((b) => b.id !== 'LandArtifact') ?? [];
  const land = d?.bundles.find((b) => b.id === 'LandArtifact');
  const largest = others.length > 0 ? Math.max(...others.map(bundleKib)) : null;
  const loads = d?.bundles.map((b) => b.loadRatio ?? Infinity) ?? [];
  const worstLoad = loads.length > 0 ? Math.max(...loads) : null;
  const sdk = (b: BundleFigures | undefined) => (b?.awsSdkKib === undefined ? '–' : `${b.awsSdkKib}`);
  const sizeLimit =
    d?.s3ClientAloneKib === undefined
      ? ''
      : `An S3 client alone with one GetObject, bundled the same way, is ${d.s3ClientAloneKib} KiB and loads in ` +
        `${fmt(d.s3ClientAloneLoadRatio ?? null, 1)}× the trivial bundle: every function that reads or writes S3 starts above the target. `;
  const largestSdk = others.reduce<BundleFigures | undefined>(
    (worst, b) => (worst === undefined || bundleKib(b) > bundleKib(worst) ? b : worst),
    undefined,
  );
  const sizeMissed =
    `${sizeLimit}The AWS SDK (clients with their error classes and schemas, the @smithy runtime, protocol code) is most of what ` +
    `a cold start loads (${largestSdk?.id ?? '–'} ${sdk(largestSdk)} KiB of ${largestSdk ? fmt(bundleKib(largestSdk), 0) : '–'}, ` +
    `LandArtifact ${sdk(land)} KiB of ${land ? fmt(bundleKib(land), 0) : '–'}), already without the default credential chain ` +
    `(Lambda's environment credentials only) and with the SDK's event-stream codec and browser helpers in lazy chunks ` +
    `(code splitting, lib/bundling.ts), and without the schemas of the operations a handler never calls (lib/sdk-schema-keys.ts: ` +
    `esbuild kept every S3 shape, about 57 KiB more per S3 function) and with each client's package.json reduced to its ` +
    `version (lib/sdk-package-info.ts, about 2 KiB per client). What each client still brings whatever the handler ` +
    `calls is its service's error classes (all registered for error parsing), its endpoint rules, its runtime config and the ` +
    `@smithy and @aws-sdk/core runtime of its protocol (XML for S3, JSON for the others: a function with S3 and a JSON ` +
    `service carries both); what is ours, Powertools (Logger and Metrics, about 30 KiB; no X-Ray SDK) and zod/mini ` +
    `(about 30 KiB; classic zod was about 95) is the rest. What is left to cut is the SDK itself: the runtime's own AWS SDK ` +
    `(not bundled) makes smaller bundles, but the SDK version is then Lambda's, not ours, and its load time moves out of the ` +
    `bundle (read from node_modules at import), not away${runtimeSdkNote(d)}.`;
  return [
    {
      target: `Bundle size per function <= ${targets.maxBundleKib} KiB (LandArtifact apart)`,
      measured:
        largest === null ? '–' : `${fmt(Math.min(...others.map(bundleKib)), 0)}–${fmt(largest, 0)} KiB`,
      verdict: verdict(largest === null ? null : largest <= targets.maxBundleKib),
      limitedBy: largest !== null && largest > targets.maxBundleKib ? sizeMissed : null,
    },
    {
      target: `LandArtifact bundle <= ${targets.maxLandArtifactBundleKib} KiB`,
      measured: land ? `${fmt(bundleKib(land), 0)} KiB` : '–',
      verdict: verdict(land ? bundleKib(land) <= targets.maxLandArtifactBundleKib : null),
      limitedBy:
        land && bundleKib(land) > targets.maxLandArtifactBundleKib
          ? `${sizeMissed} LandArtifact also carries the landing and quality-report code; its Arrow and Parquet readers ` +
            `(apache-arrow, hyparquet) are lazy chunks (${land.lazyBytes === undefined ? '–' : fmt(land.lazyBytes / 1024, 0)} KiB with the SDK's), read only when such an artifact or seed is.`
          : null,
    },
    {
      target: `Module load <= ${targets.maxLoadRatio}× a trivial bundle`,
      measured:
        worstLoad === null
          ? '–'
          : `${fmt(Math.min(...loads), 1)}–${fmt(worstLoad, 1)}× (best to worst function)`,
      verdict: verdict(worstLoad === null ? null : worstLoad <= targets.maxLoadRatio),
      limitedBy:
        worstLoad !== null && worstLoad > targets.maxLoadRatio
          ? `${loadBreakdown(d)}${sizeLimit}` +
            `The ratio also moves with the machine's load: the trivial bundle's median ranged ${trivialRange(d)} ms within this run.`
          : null,
    },
  ];
}

/** `min–max` of `values` (or `–`). */
function span(values: readonly number[], digits: number): string {
  if (values.length === 0) return '–';
  const low = fmt(Math.min(...values), digits);
  const high = fmt(Math.max(...values), digits);
  return low === high ? low : `${low}–${high}`;
}

/**
 * Where a bundle's load goes, from what was measured in the same rounds: the Node built-ins it
 * imports at load (alone), compiling what loads (not run), the rest (running its module-level
 * code), and the source-map cost of `enableSourceMaps`.
 */
export function loadBreakdown(d: ColdStartData | undefined): string {
  const measured = (d?.bundles ?? []).filter(
    (b) =>
      b.builtinsLoadMsMedian !== undefined &&
      b.sourceMapsLoadMsMedian !== undefined &&
      b.compileMsMedian !== undefined &&
      b.trivialLoadMsMedian,
  );
  if (measured.length === 0) {
    return 'Compiling the bundled SDK and loading the Node built-ins it needs (http, https, crypto, stream) at import; the bundle size sets the first. ';
  }
  /** `median (min–max)` of `value` over the measured functions. */
  const summary = (value: (b: BundleFigures) => number, digits: number) => {
    const values = measured.map(value);
    return `${fmt(median(values), digits)} (${span(values, digits)})`;
  };
  const builtins = (b: BundleFigures) => b.builtinsLoadMsMedian!;
  const compile = (b: BundleFigures) => b.compileMsMedian!;
  const share = (part: (b: BundleFigures) => number) =>
    `${summary((b) => Math.max(0, (100 * part(b)) / b.loadMsMedian), 0)} %`;
  const perTrivial = (part: (b: BundleFigures) => number) =>
    `${summary((b) => part(b) / b.trivialLoadMsMedian!, 1)}×`;
  const sourceMapExtra = median(measured.map((b) => b.sourceMapsLoadMsMedian! - b.loadMsMedian));
  return (
    `Measured per function in the same rounds as its load (median over the functions, their range in parentheses): ` +
    `the Node built-ins it imports at load (https, crypto, stream, …), loaded by a module of their own, take ` +
    `${share(builtins)} of the load, ${perTrivial(builtins)} the trivial load by themselves: the floor of any function ` +
    `that calls AWS; V8 parsing and compiling what loads (\`vm.SourceTextModule\`, not run) ${share(compile)}, ` +
    `${perTrivial(compile)}; running the module-level code (the SDK's schema and error registries and constant tables, Powertools Logger and ` +
    `Metrics, zod/mini schemas; the SDK clients themselves are created in the first invocation) and linking, the remaining ${share((b) => b.loadMsMedian - builtins(b) - compile(b))}. ` +
    `Compiling grows with the bytes that load, which is why the SDK schemas a handler never uses are left out ` +
    `(lib/sdk-schema-keys.ts). Source maps are off by default (the construct's \`enableSourceMaps\`): with them Node ` +
    `reads and decodes the map at load, ` +
    (sourceMapExtra > 0
      ? `${fmt(sourceMapExtra, 0)} ms more (median; ${perTrivial((b) => b.sourceMapsLoadMsMedian!)} the trivial load). `
      : `which this run could not tell apart from the machine's noise (median difference ${fmt(sourceMapExtra, 0)} ms). `)
  );
}

export function coldStartSection(r: BenchResult<ColdStartData> | null): string {
  if (!r) return '## 5. Cold start\n\nNot measured in this run.\n';
  const d = r.data;
  return [
    '## 5. Cold start',
    '',
    `Each entry of \`lib/pipeline-functions.ts\` bundled with esbuild exactly as the construct and the package build do ` +
      `(\`functionBundleOptions\` of \`lib/bundling.ts\`: ESM, minified, node24, AWS SDK bundled, linked source map, \`require\` banner, ` +
      `the credential alias, code splitting). \`bundle KiB\` is what a cold start reads: \`index.mjs\` and the chunks it imports statically; ` +
      `\`lazy chunks KiB\` are read only when a dynamic \`import()\` runs (every function: the SDK's event-stream codec and browser ` +
      `user-agent parser; LandArtifact: the Parquet and Arrow readers); the function's asset holds both. Module-load time = \`import()\` in a fresh \`node\` ` +
      `${d.nodeOptions ? `with \`NODE_OPTIONS=${d.nodeOptions}\`` : `in the construct's default environment (source maps are opt-in: no \`NODE_OPTIONS\`${ownFlags(d)})`}, ` +
      `median of ${d.repetitions}. Baseline: a trivial handler bundled the same way (${d.trivial.bytes} B, ${fmt(d.trivial.loadMsMedian, 1)} ms), ` +
      `loaded in alternation with each bundle so that both see the same load on this shared machine (\`trivial ms\`: its median beside that bundle). ` +
      `In the same rounds: the bundle with \`NODE_OPTIONS=${d.sourceMapsNodeOptions ?? '--enable-source-maps'}\` (the construct's \`enableSourceMaps: true\`), ` +
      `a module importing only the Node built-ins the bundle imports at load (\`built-ins alone\`), and V8 compiling ` +
      `what loads without running it (\`compile alone\`: \`vm.SourceTextModule\` of \`index.mjs\` and its static chunks).` +
      (d.s3ClientAloneKib === undefined
        ? ''
        : ` Reference: an S3 client alone (one GetObject) bundled the same way, ${d.s3ClientAloneKib} KiB, ${fmt(d.s3ClientAloneLoadRatio ?? null, 1)}× the trivial load.`),
    '',
    table(
      [
        'function',
        'bundle KiB',
        'lazy chunks KiB',
        'of which AWS SDK KiB',
        '× trivial size',
        'load ms (median)',
        'trivial ms',
        '× trivial load',
        'with source maps ms',
        'built-ins alone ms',
        'compile alone ms',
        'largest contributors (KiB)',
      ],
      d.bundles.map((b) => [
        b.id,
        fmt(bundleKib(b), 0),
        b.lazyBytes === undefined
          ? '–'
          : `${fmt(b.lazyBytes / 1024, 0)}${b.lazyTopPackages?.[0] ? ` (${b.lazyTopPackages[0].name} ${b.lazyTopPackages[0].kib})` : ''}`,
        b.awsSdkKib ?? '–',
        fmt(b.sizeRatio, 0),
        fmt(b.loadMsMedian, 1),
        b.trivialLoadMsMedian === undefined ? '–' : fmt(b.trivialLoadMsMedian, 1),
        fmt(b.loadRatio, 1),
        b.sourceMapsLoadMsMedian === undefined ? '–' : fmt(b.sourceMapsLoadMsMedian, 1),
        b.builtinsLoadMsMedian === undefined ? '–' : fmt(b.builtinsLoadMsMedian, 1),
        b.compileMsMedian === undefined ? '–' : fmt(b.compileMsMedian, 1),
        b.topPackages.map((p) => `${p.name} ${p.kib}`).join(', '),
      ]),
    ),
    commonContributorNote(d),
  ].join('\n');
}

/** `, but <function>'s own <flags>` for the functions the construct gives Node flags of their own. */
function ownFlags(d: ColdStartData): string {
  const flagged = d.bundles.filter((b) => b.nodeOptions);
  return flagged.map((b) => ` but ${b.id}'s own \`${b.nodeOptions}\``).join(',');
}

/** A sentence naming the package that is the largest contributor of every bundle, if one is. */
export function commonContributorNote(d: ColdStartData): string {
  const first = d.bundles[0]?.topPackages[0];
  if (!first || !d.bundles.every((b) => b.topPackages[0]?.name === first.name)) return '';
  return (
    `\nThe largest contributor of every bundle is \`${first.name}\` (about ${first.kib} KiB of ` +
    `${fmt(d.bundles[0]!.bytes / 1024, 0)}); it is parsed on every cold start whatever the handler uses.`
  );
}
