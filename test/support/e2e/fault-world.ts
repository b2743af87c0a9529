/**
 * The fault matrix's local world: the e2e pipeline ({@link startE2ePipeline}: moto provisioned
 * from the synthesized stack, the simulator, the real handlers) plus the levers the simulator's
 * fault grammar does not cover: a vendor clock that can jump ahead, a generation request that can
 * be held inside the vendor's idempotent section, a tap on the network, a short client timeout,
 * and Lambda crashes in the middle of an invocation.
 *
 * Import it fresh per environment (`vi.resetModules()` first): the handlers memoise clients and
 * configuration per module instance, as one Lambda container would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { s3 } from '../../../lambdas/commons/clients/s3.ts';
import type { SimulatorEngine } from '../../../simulator/index.ts';
import { loadDefaultEngine } from '../../../simulator/engine-port.ts';
import { MANIFEST_PREFIX } from '../../../src/landing/layout.ts';
import {
  LocalPipelineRunner,
  type ExecutionResult,
  type LocalHandler,
  type LocalRunnerOptions,
} from '../../../src/local/runner.ts';
import type { StartExecutionFn, StartIngestOutcome } from '../../../src/pipeline/start-ingest.ts';
import { captureOutput } from '../credentials-harness.ts';
import { tapVendorNetwork, type VendorNetworkTap } from './fault-network.ts';
import { startE2ePipeline, type E2ePipeline, type ObservedRun } from './local-pipeline.ts';

/** Per-attempt HTTP timeout of the vendor client in these runs; slow-response faults exceed it. */
export const CLIENT_TIMEOUT_MS = 2500;

/**
 * What Step Functions reports when the Lambda service loses an invocation (the sandbox died
 * mid-way); the state machines retry it. S3 → EventBridge → Lambda retries any failed invocation.
 */
const LAMBDA_CRASH_ERROR = 'Lambda.ServiceException';

function lambdaCrash(functionId: string): Error {
  const error = new Error(`${functionId} died in the middle of its invocation (injected)`);
  error.name = LAMBDA_CRASH_ERROR;
  return error;
}

export interface FaultWorld {
  readonly p: E2ePipeline;
  readonly network: VendorNetworkTap;
  /** The demo tenant the pipeline's credential belongs to. */
  readonly tenantId: string;
  /** Moves the vendor's clock forward: tokens, datasets and URLs are judged by it from now on. */
  advanceVendorClock(ms: number): void;
  /** Keeps the next generation request inside the vendor's idempotent section for `ms`. */
  holdNextGenerationRequest(ms: number): void;
  /** A runner on the pipeline's environment with some handlers replaced. */
  runnerWith(overrides: NonNullable<LocalRunnerOptions['handlerOverrides']>): LocalPipelineRunner;
  /**
   * The real LandArtifact handler, except that its first invocation for `feed` dies once the data
   * object is complete and before its manifest is written; `crashes()` counts the deaths.
   */
  landArtifactCrashingOnce(feed: string): { handler: LocalHandler; crashes: () => number };
  /** Makes `runner`'s start-ingest die once, right after its StartExecution succeeded. */
  crashStarterOnce(runner: LocalPipelineRunner): { crashes: () => number };
  /** Runs `work` capturing everything written meanwhile (as the e2e pipeline's own runs are). */
  observe(
    work: () => Promise<{ outcome: StartIngestOutcome | null; execution: ExecutionResult | null }>,
  ): Promise<ObservedRun>;
  close(): Promise<void>;
}

/** An engine whose condition check (inside the idempotent section of a generation) can stall. */
async function holdableEngine(): Promise<{ engine: SimulatorEngine; hold: (ms: number) => void }> {
  const real = await loadDefaultEngine();
  let holdMs = 0;
  const engine: SimulatorEngine = {
    ...real,
    async checkConditions(model, conditions) {
      const ms = holdMs;
      holdMs = 0;
      if (ms > 0) await sleep(ms);
      return real.checkConditions(model, conditions);
    },
  };
  return { engine, hold: (ms) => (holdMs = ms) };
}

/** Starts the world in `mode`; close it after the last row. */
export async function startFaultWorld(mode: 'managed' | 'enterprise'): Promise<FaultWorld> {
  let clockOffsetMs = 0;
  const { engine, hold } = await holdableEngine();
  const p = await startE2ePipeline({
    mode,
    simulator: { engine, now: () => Date.now() + clockOffsetMs },
  });
  const handlerEnv = {
    ...p.env.env,
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    SIMULACRA_HTTP_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS),
  };
  Object.assign(process.env, handlerEnv);
  const network = tapVendorNetwork(() => p.simulator);

  // The handlers' shared S3 client (this module graph's): a manifest write can be made to hang
  // forever, which is what a Lambda killed at that point looks like from the outside.
  let killBeforeManifest: { prefix: string; kill: () => void } | null = null;
  s3().middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key ?? '';
      const pending = killBeforeManifest;
      if (pending && context.commandName === 'PutObjectCommand' && key.startsWith(pending.prefix)) {
        killBeforeManifest = null;
        pending.kill();
        return new Promise<never>(() => undefined);
      }
      return next(args);
    },
    { step: 'initialize', name: 'faultMatrixKillBeforeManifest' },
  );

  const world: FaultWorld = {
    p,
    network,
    tenantId: p.simulator.demoTenant.tenantId,
    advanceVendorClock(ms) {
      clockOffsetMs += ms;
    },
    holdNextGenerationRequest: hold,
    runnerWith(overrides) {
      return new LocalPipelineRunner({
        waitMs: 1,
        retryIntervalMs: 5,
        env: handlerEnv,
        iam: p.env.iam,
        functionLimits: p.env.stack.functionLimits,
        handlerOverrides: overrides,
      });
    },
    landArtifactCrashingOnce(feed) {
      let crashes = 0;
      const handler: LocalHandler = async (event: unknown, context: Context) => {
        const { handler: real } = await import('../../../lambdas/land-artifact.ts');
        if (crashes > 0 || (event as { feed?: unknown }).feed !== feed) return real(event, context);
        return new Promise((resolve, reject) => {
          killBeforeManifest = {
            prefix: `${MANIFEST_PREFIX}/feed=${feed}/`,
            kill: () => {
              crashes += 1;
              reject(lambdaCrash('LandArtifact'));
            },
          };
          real(event, context).then(resolve, reject);
        });
      };
      return { handler, crashes: () => crashes };
    },
    crashStarterOnce(runner) {
      let crashes = 0;
      const start: StartExecutionFn = runner.startIngestExecution;
      const crashing: StartExecutionFn = async (request) => {
        const started = await start(request);
        if (crashes > 0) return started;
        crashes += 1;
        throw lambdaCrash('StartIngest');
      };
      // The runner passes this property to the real start-ingest handler on every drop.
      Object.defineProperty(runner, 'startIngestExecution', { value: crashing });
      return { crashes: () => crashes };
    },
    async observe(work) {
      const firstEvent = p.events.length;
      const { result, output } = await captureOutput(work);
      const runId =
        result.execution?.name ?? (result.outcome && 'runId' in result.outcome ? result.outcome.runId : null);
      return { ...result, runId, logs: output, events: p.events.slice(firstEvent) };
    },
    async close() {
      network.uninstall();
      await p.close();
    },
  };
  return world;
}
