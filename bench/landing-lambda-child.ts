/**
 * The measured process of the landing benchmark (bench/landing.ts): Lambda's Node.js runtime in
 * miniature, running the LandArtifact bundle the construct deploys. The parent starts it as the
 * runtime starts the function (the bootstrap's node flags for its memory size, through the exec
 * wrapper shipped in the asset), with the function's environment. It imports the bundle's
 * `index.mjs` (the function's init), invokes the handler once on a small warm-up generation (a warm
 * container: vendor client built, token minted, code compiled), then on the measured generation,
 * and prints a {@link ChildReport}. This file is bundled itself before it runs (node built-ins and
 * bench/common.ts only): no TypeScript loader is in the measured process.
 *
 * argv: `<path of the bundle's index.mjs> <LambdaLandingJob JSON>`
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { MiB, reportFromChild, round, runAsScript, startRssSampler } from './common.ts';

/** The Map iteration's input LandArtifact receives (see lambdas/land-artifact.ts). */
export type LandingEvent = Readonly<Record<string, unknown>>;

export interface LambdaLandingJob {
  /** Landed first, unmeasured: the container is warm when the measured landing starts. */
  readonly warmup: LandingEvent;
  readonly event: LandingEvent;
  readonly functionName: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export interface LambdaLandingResult {
  readonly bytes: number;
  readonly seconds: number;
  readonly rows: number;
  readonly outputKey: string;
  readonly warmupOutputKey: string;
  /** CPU time of the whole process during the measured invocation (all threads, the scan worker's too). */
  readonly cpuSeconds: number;
  /** RSS of the bare runtime, before the bundle was imported, MiB (the report's baseline is after init). */
  readonly runtimeRssMiB: number;
  /** node's options as the process runs (the runtime's flags as the exec wrapper left them). */
  readonly execArgv: readonly string[];
}

type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;

/** The context object Lambda's runtime passes (what Powertools reads of it). */
function lambdaContext(job: LambdaLandingJob): Record<string, unknown> {
  const deadline = Date.now() + job.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: job.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${job.functionName}`,
    memoryLimitInMB: String(job.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${job.functionName}`,
    logStreamName: `bench/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

runAsScript(async () => {
  const [entry, raw] = process.argv.slice(2);
  if (!entry || !raw) throw new Error('usage: landing-lambda-child.mjs <bundle index.mjs> <job JSON>');
  const job = JSON.parse(raw) as LambdaLandingJob;
  const runtimeRss = process.memoryUsage.rss();
  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: Handler };
  const sampler = startRssSampler();
  const warm = await handler(job.warmup, lambdaContext(job));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const landed = await handler(job.event, lambdaContext(job));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const memory = sampler.stop();
  const result: LambdaLandingResult = {
    bytes: Number(landed['bytes']),
    seconds,
    rows: Number(landed['rowsGenerated']),
    outputKey: String(landed['outputKey']),
    warmupOutputKey: String(warm['outputKey']),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    runtimeRssMiB: round(runtimeRss / MiB, 1),
    execArgv: process.execArgv,
  };
  reportFromChild({ result, ...memory });
});
