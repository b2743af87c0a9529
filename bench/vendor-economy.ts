/**
 * Benchmark 3, vendor economy: vendor calls per run by route (simulator counters) for the same
 * 5-minute training / 2-minute generation run as the cost benchmark, the polls that found
 * nothing new (waste) against the quickstart's 2-second polling (for a feed with history, another
 * feed's first run placed by the deployment prior, and the deployment's very first run), and
 * token mints when 100 runs
 * start at once, each in its own Lambda container sharing the DynamoDB token cache and its mint
 * lease (moto).
 * Run alone: `tsx bench/vendor-economy.ts`.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DynamoDbTokenCache,
  TOKEN_LEASE_SORT_KEY,
  TOKEN_SORT_KEY,
  createTokenProvider,
  tokenCacheKey,
  type TokenProvider,
  type VendorCredentials,
} from '../src/client/index.ts';
import type { RunningSimulator } from '../simulator/index.ts';
import { awsClientConfig } from '../src/local/moto.ts';
import type { LocalEnvironment } from '../src/local/environment.ts';
import { isMain, ratio, runAsScript, writeResult } from './common.ts';
import { fixedIntervalPolls } from './cost-model.ts';
import {
  NAIVE_POLL_SECONDS,
  runScaledIngest,
  startScaledEnvironment,
  type ScaledRunResult,
} from './pipeline-run.ts';

/** Issue 16: at most one poll in three finds the job still running. */
export const ECONOMY_TARGETS = { tokenMintsPer100ConcurrentRuns: 1, maxWastedPollShare: 1 / 3 } as const;

const JOB_ROUTE = 'GET /v1/jobs/{job_id}';

export interface PollFigures {
  readonly totalPolls: number;
  readonly wastedPolls: number;
  readonly totalCalls: number;
}

export interface TokenMintCase {
  readonly shape: string;
  readonly runs: number;
  readonly tokenMints: number;
}

export interface EconomyData {
  readonly trainingSeconds: number;
  readonly generationSeconds: number;
  readonly callsByRoute: Readonly<Record<string, number>>;
  readonly totalCalls: number;
  /** Job polls that answered "still running". */
  readonly wastedPolls: number;
  readonly totalPolls: number;
  /** The deployment's very first run (the same feed's first), before any job duration was recorded. */
  readonly cold?: PollFigures;
  /** Another feed's first run after those two, its polls placed by the deployment prior. */
  readonly newFeed?: PollFigures;
  readonly naive: PollFigures;
  /** naive / pipeline. */
  readonly naiveOverPipelineCalls: number | null;
  readonly tokenMintsPerRun: number;
  readonly tokenMints: readonly TokenMintCase[];
  readonly targets: typeof ECONOMY_TARGETS;
}

function credentialsOf(simulator: RunningSimulator): VendorCredentials {
  return {
    client_id: simulator.demoTenant.clientId,
    client_secret: simulator.demoTenant.clientSecret,
    token_url: simulator.tokenUrl,
    audience: simulator.audience,
    api_base: simulator.apiBase,
  };
}

/** A fresh "container": its own token provider over the shared DynamoDB cache. */
function containerTokenProvider(env: LocalEnvironment, simulator: RunningSimulator): TokenProvider {
  const config = awsClientConfig(env.moto);
  const tokenKey = env.env.TOKEN_CACHE_KEY_ARN;
  if (!tokenKey) throw new Error('the local stack gives no TOKEN_CACHE_KEY_ARN');
  return createTokenProvider({
    credentials: credentialsOf(simulator),
    cache: new DynamoDbTokenCache({
      tableName: env.names.stateTable,
      kmsKeyId: tokenKey,
      dynamo: DynamoDBDocumentClient.from(env.clients.dynamodb),
      kms: new KMSClient(config),
    }),
  });
}

/** Mints observed when `runs` containers ask for a token (after `warm` containers did, one by one). */
async function measureMints(
  env: LocalEnvironment,
  simulator: RunningSimulator,
  runs: number,
  warm: number,
): Promise<number> {
  // Each case starts from an empty cache and no mint lease.
  const dynamo = DynamoDBDocumentClient.from(env.clients.dynamodb);
  for (const sk of [TOKEN_SORT_KEY, TOKEN_LEASE_SORT_KEY]) {
    await dynamo.send(
      new DeleteCommand({
        TableName: env.names.stateTable,
        Key: { pk: tokenCacheKey(credentialsOf(simulator)), sk },
      }),
    );
  }
  simulator.resetCounters();
  for (let i = 0; i < warm; i++) await containerTokenProvider(env, simulator).getToken();
  await Promise.all(
    Array.from({ length: runs - warm }, () => containerTokenProvider(env, simulator).getToken()),
  );
  return simulator.counters().tokenMints;
}

/** Vendor calls and job polls of one run; every poll but the last of each of its two jobs found nothing new. */
function pollFigures(result: ScaledRunResult): PollFigures {
  const calls = result.counters.calls;
  const totalPolls = calls[JOB_ROUTE] ?? 0;
  return {
    totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
    totalPolls,
    wastedPolls: Math.max(0, totalPolls - 2),
  };
}

export async function runVendorEconomyBenchmark(
  options: { trainingSeconds?: number; generationSeconds?: number; scale?: number } = {},
) {
  const startedAt = performance.now();
  const run = {
    policy: 'pipeline' as const,
    trainingSeconds: options.trainingSeconds ?? 300,
    generationSeconds: options.generationSeconds ?? 120,
    scale: options.scale ?? 20,
  };
  const env = await startScaledEnvironment(run);
  try {
    const simulator = env.simulator;
    if (!simulator) throw new Error('the benchmark needs the built-in simulator');
    // The deployment's first run records its job durations; the measured run is the feed's next
    // seed version; then another feed's first run, placed by the deployment prior.
    const first = pollFigures(await runScaledIngest(env, { ...run, seedRows: 120 }, 'economy'));
    const result = await runScaledIngest(env, { ...run, seedRows: 121 }, 'economy');
    const newFeed = pollFigures(await runScaledIngest(env, { ...run, seedRows: 130 }, 'economy-new-feed'));
    const calls = result.counters.calls;
    const { totalCalls, totalPolls, wastedPolls } = pollFigures(result);
    const naivePolls =
      fixedIntervalPolls(run.trainingSeconds, NAIVE_POLL_SECONDS) +
      fixedIntervalPolls(run.generationSeconds, NAIVE_POLL_SECONDS);
    const naiveCalls = totalCalls - totalPolls + naivePolls;
    const tokenMints: TokenMintCase[] = [
      {
        shape: '100 runs, one container each, all cold at the same instant (cache empty)',
        runs: 100,
        tokenMints: await measureMints(env, simulator, 100, 0),
      },
      {
        shape: '100 runs, one container each, the first run warms the cache',
        runs: 100,
        tokenMints: await measureMints(env, simulator, 100, 1),
      },
    ];
    for (const c of tokenMints) console.log(`[economy] token mints, ${c.shape}: ${c.tokenMints}`);
    console.log(
      `[economy] ${totalCalls} vendor calls per run, ${wastedPolls}/${totalPolls} polls wasted ` +
        `(a new feed's first run: ${newFeed.wastedPolls}/${newFeed.totalPolls}; the deployment's first run: ${first.wastedPolls}/${first.totalPolls})`,
    );
    const data: EconomyData = {
      trainingSeconds: run.trainingSeconds,
      generationSeconds: run.generationSeconds,
      callsByRoute: calls,
      totalCalls,
      wastedPolls,
      totalPolls,
      cold: first,
      newFeed,
      naive: { totalPolls: naivePolls, wastedPolls: naivePolls - 2, totalCalls: naiveCalls },
      naiveOverPipelineCalls: ratio(naiveCalls, totalCalls, 1),
      tokenMintsPerRun: result.counters.tokenMints,
      tokenMints,
      targets: ECONOMY_TARGETS,
    };
    return writeResult('vendor-economy', startedAt, data);
  } finally {
    await env.close();
  }
}

if (isMain(import.meta.url)) runAsScript(() => runVendorEconomyBenchmark());
