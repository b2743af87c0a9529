/**
 * Runs the pipeline's state machines locally with aws-local-stepfunctions, binding every Task
 * state to the REAL handler of `lambdas/*.ts` (via lib/pipeline-functions.ts), and dispatches
 * S3 drops through the real start-ingest handler with an in-process StartExecution. Wait and
 * retry intervals are shortened; the full event history of each execution is kept so tests can
 * scan it for secrets and count state transitions.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { STATE_MACHINE_FILES, loadAslDefinition } from '../../lib/asl-definition.ts';
import { pipelineFunctions, type PipelineFunctionSpec } from '../../lib/pipeline-functions.ts';
import type { IngestExecutionInput, StartExecutionFn, StartIngestOutcome } from '../pipeline/start-ingest.ts';
import { startExecutionRequests } from './iam/aws-requests.ts';
import { judgeDirectCall } from './iam/sdk-recorder.ts';
import { FunctionHost } from './function-host.ts';
import { LambdaLimits } from './lambda-limits.ts';
import type { TmpContainers } from './lambda-tmp.ts';
import {
  asLambdaJson,
  executionStatusChangeEvent,
  objectCreatedEvent,
  type SeedDrop,
} from './lambda-events.ts';
import { REPO_ROOT, retryIntervals, substitutePlaceholders, taskStates, waitStates } from './definitions.ts';
import { runWithQuotas } from './quota-execution.ts';
import { StartedExecutions } from './started-executions.ts';
import { assertRedrivable, refailedAttempt } from './redrive-rules.ts';
import type {
  ExecutionResult,
  LocalHandler,
  LocalRunnerOptions,
  SeedDropResult,
  StateMachineName,
} from './runner-types.ts';
import { INLINE_MAP_CONCURRENCY_LIMIT, StepFunctionsApiError, checkExecutionName } from './sfn-quotas.ts';

export type { HistoryEvent } from './quota-execution.ts';
export type {
  ExecutionResult,
  LocalHandler,
  LocalRunnerOptions,
  SeedDropResult,
  StateMachineName,
} from './runner-types.ts';

export {
  definitionPath,
  definitionPlaceholders,
  substitutePlaceholders,
  taskStates,
  waitStates,
} from './definitions.ts';
export { objectCreatedEvent, type SeedDrop } from './lambda-events.ts';

/** Runs the pipeline locally; one instance per test (it remembers started execution names). */
export class LocalPipelineRunner {
  private readonly options: LocalRunnerOptions;
  private readonly region: string;
  private readonly accountId: string;
  private readonly started = new StartedExecutions();
  /** Every execution run, by state machine and name: what a redrive needs (input, attempt). */
  private readonly executions = new Map<string, { input: unknown; result: Promise<ExecutionResult> }>();
  private readonly functions: FunctionHost;

  constructor(options: LocalRunnerOptions = {}) {
    this.options = options;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.functions = new FunctionHost(options, this.region, this.accountId);
  }

  /** ARN of a state machine, as the local runs name it. */
  stateMachineArn(name: StateMachineName): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:simulacra-${name}`;
  }

  /** Fake ARN substituted for a function's placeholder. */
  functionArn(spec: PipelineFunctionSpec): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:simulacra-${spec.id}`;
  }

  /** The definition with every placeholder substituted, validated by aws-local-stepfunctions. */
  async loadDefinition(name: StateMachineName): Promise<StateMachineDefinition> {
    const { text } = await Promise.resolve(loadAslDefinition(STATE_MACHINE_FILES[name]));
    const concurrency = this.options.mapMaxConcurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > INLINE_MAP_CONCURRENCY_LIMIT) {
      throw new RangeError(
        `mapMaxConcurrency ${concurrency} is outside 1..${INLINE_MAP_CONCURRENCY_LIMIT}: an inline Map runs at most ${INLINE_MAP_CONCURRENCY_LIMIT} iterations at once`,
      );
    }
    const values: Record<string, string> = { MapMaxConcurrency: String(concurrency) };
    for (const spec of pipelineFunctions) {
      if (spec.aslPlaceholder) values[spec.aslPlaceholder] = this.functionArn(spec);
    }
    return JSON.parse(substitutePlaceholders(text, values)) as StateMachineDefinition;
  }

  /** Each function's containers and their `/tmp` (tests look into them). */
  get containers(): TmpContainers {
    return this.functions.containers;
  }

  /**
   * Invokes a function directly, as a service other than Step Functions does (Secrets Manager
   * invokes the rotation function once per step): within its limits, its calls judged.
   */
  async invokeFunction(spec: PipelineFunctionSpec, event: unknown): Promise<unknown> {
    this.applyEnv();
    return asLambdaJson(
      await this.functions.invoke(spec, asLambdaJson(event), new LambdaLimits(this.containers)),
    );
  }

  /** Removes every function container's `/tmp` (call when done with the runner). */
  dispose(): void {
    this.functions.containers.dispose();
  }

  private applyEnv(): void {
    for (const [key, value] of Object.entries(this.options.env ?? {})) process.env[key] = value;
  }

  /** With {@link LocalRunnerOptions.pollTimeScale}: sleeps a poll Task's scaled wait. */
  private async scaledPollWait(taskInput: unknown): Promise<void> {
    const scale = this.options.pollTimeScale;
    const poll = (taskInput as { poll?: { nextWaitSeconds?: unknown; reservation?: unknown } } | null)?.poll;
    const seconds = poll?.nextWaitSeconds;
    if (typeof seconds !== 'number' || seconds <= 0) return;
    // A poll waiting for its reserved pacing slot is a vendor wait: real seconds when those are real.
    if (poll?.reservation && this.options.realVendorWaits) await delay(seconds * 1000);
    else if (scale) await delay((seconds * 1000) / scale);
  }

  /**
   * Runs a state machine to completion. `name` is the execution name (`$$.Execution.Name`,
   * the run id); a random one is used when omitted.
   */
  async execute(
    stateMachine: StateMachineName,
    input: unknown,
    name: string = randomUUID(),
  ): Promise<ExecutionResult> {
    checkExecutionName(name);
    const result = this.run(stateMachine, input, name, 0);
    this.executions.set(`${stateMachine}:${name}`, { input, result });
    return result;
  }

  /**
   * Step Functions' RedriveExecution of the FAILED execution `name`: same name, ARN and input,
   * `$$.Execution.RedriveCount` one higher, with AWS's rules (redrive-rules.ts). An execution that
   * failed in a Fail state resumes there and fails again, running nothing else. One that failed in
   * a Task re-runs from it on AWS; here every state runs again, so each must be safe to re-run
   * under a later attempt (what landed stays landed, nothing is bought twice). Refused as on AWS:
   * an unknown execution (ExecutionDoesNotExist), a SUCCEEDED one (ExecutionNotRedrivable).
   */
  async redriveExecution(stateMachine: StateMachineName, name: string): Promise<ExecutionResult> {
    const key = `${stateMachine}:${name}`;
    const previous = this.executions.get(key);
    if (!previous) {
      throw new StepFunctionsApiError(
        'ExecutionDoesNotExist',
        `Execution Does Not Exist: '${this.executionArn(stateMachine, name)}'`,
      );
    }
    const last = await previous.result;
    assertRedrivable(last);
    const refailed = refailedAttempt(last);
    const result = refailed
      ? this.reportFailed(refailed)
      : this.run(stateMachine, previous.input, name, last.redriveCount + 1);
    this.executions.set(key, { input: previous.input, result });
    this.started.redriven(stateMachine, name, result);
    return result;
  }

  /** A redriven attempt that failed in its Fail state again, announced as Step Functions does. */
  private async reportFailed(
    attempt: NonNullable<ReturnType<typeof refailedAttempt>>,
  ): Promise<ExecutionResult> {
    const lambda = new LambdaLimits(this.containers);
    const { stateMachine, name, executionArn } = attempt;
    const statusChange = await this.deliverStatusChange(stateMachine, name, executionArn, attempt, lambda);
    return { ...attempt, functions: lambda.functionReports, statusChange };
  }

  private async run(
    stateMachine: StateMachineName,
    input: unknown,
    name: string,
    redriveCount: number,
  ): Promise<ExecutionResult> {
    this.applyEnv();
    const definition = await this.loadDefinition(stateMachine);
    const specsByArn = new Map(pipelineFunctions.map((spec) => [this.functionArn(spec), spec]));
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const taskInvocations: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    const lambda = new LambdaLimits(this.containers);
    for (const [stateName, resource] of taskStates(definition)) {
      const spec = specsByArn.get(resource);
      if (!spec)
        throw new Error(`Task state "${stateName}" has resource ${resource}, which is no pipeline function`);
      retryIntervalOverrides[stateName] = retryIntervals(definition, stateName, {
        shortenedMs: this.options.retryIntervalMs ?? 5,
        realPacedRetries: this.options.realVendorWaits ?? false,
      });
      handlers[stateName] = async (taskInput: unknown) => {
        taskInvocations[stateName] = (taskInvocations[stateName] ?? 0) + 1;
        if (spec.id === 'PollJob') await this.scaledPollWait(taskInput);
        return asLambdaJson(await this.functions.invoke(spec, asLambdaJson(taskInput), lambda));
      };
    }
    const waitMs = this.options.pollTimeScale ? 0 : (this.options.waitMs ?? 20);
    // A Wait state without an override sleeps its real seconds (aws-local-stepfunctions).
    const realWaits = new Set(this.options.realVendorWaits ? waitStates(definition, 'vendor') : []);
    const executionArn = this.executionArn(stateMachine, name);
    const run = await runWithQuotas(definition, input, {
      handlers,
      waitTimeOverrides: Object.fromEntries(
        waitStates(definition)
          .filter((state) => !realWaits.has(state))
          .map((state) => [state, waitMs]),
      ),
      retryIntervalOverrides,
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          StartTime: new Date().toISOString(),
          RoleArn: 'local',
          RedriveCount: redriveCount,
        },
        StateMachine: { Id: this.stateMachineArn(stateMachine), Name: `simulacra-${stateMachine}` },
      },
      onEvent: (event) => this.options.onEvent?.(event, stateMachine),
    });
    const statusChange =
      run.status === 'FAILED'
        ? await this.deliverStatusChange(stateMachine, name, executionArn, run, lambda)
        : null;
    const stateTransitions = run.events.filter(
      (e) => e.type === 'StateEntered' || e.type === 'StateRetried',
    ).length;
    return {
      stateMachine,
      name,
      executionArn,
      status: run.status,
      output: run.output,
      error: run.error,
      cause: run.cause,
      events: run.events,
      stateTransitions,
      taskInvocations,
      historyLength: run.historyLength,
      maxConcurrentIterations: run.maxConcurrentIterations,
      functions: lambda.functionReports,
      statusChange,
      redriveCount,
    };
  }

  /** EventBridge → RecordRun for a failed execution, as the construct's ExecutionEndedRule does. */
  private async deliverStatusChange(
    stateMachine: StateMachineName,
    name: string,
    executionArn: string,
    run: { readonly error: string | null; readonly cause: string | null },
    lambda: LambdaLimits,
  ): Promise<{ answer: unknown; error: string | null }> {
    const spec = pipelineFunctions.find((f) => f.id === 'RecordRun');
    if (!spec) throw new Error('lib/pipeline-functions.ts lists no RecordRun function');
    const event = executionStatusChangeEvent({
      executionArn,
      stateMachineArn: this.stateMachineArn(stateMachine),
      name,
      error: run.error,
      cause: run.cause,
      region: this.region,
      accountId: this.accountId,
    });
    try {
      return { answer: await this.functions.invoke(spec, event, lambda), error: null };
    } catch (err) {
      return { answer: null, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  /** ARN of an execution of a state machine. */
  executionArn(stateMachine: StateMachineName, name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:simulacra-${stateMachine}:${name}`;
  }

  /**
   * StartExecution as Step Functions answers it: `InvalidName` for a bad name,
   * `InvalidExecutionInput` over 256 KiB; a name already used returns the same execution when it
   * is still running with the same input, and otherwise throws `ExecutionAlreadyExists`. The
   * execution runs in the background ({@link startedExecution} awaits it).
   */
  startExecution(stateMachine: StateMachineName, name: string, input: unknown): { executionArn: string } {
    const executionArn = this.executionArn(stateMachine, name);
    this.started.start(stateMachine, name, input, executionArn, () =>
      this.execute(stateMachine, input, name),
    );
    return { executionArn };
  }

  /** Step Functions' StartExecution as the SDK client start-ingest uses would call it. */
  private readonly localSfnClient = {
    send: async (command: { input: { name?: string; input?: string } }) => {
      await Promise.resolve();
      const { name = randomUUID(), input = '{}' } = command.input;
      // Judged as the calling function (start-ingest), as IAM would judge its SDK call.
      const judge = this.options.iam;
      if (judge) {
        const arn = this.options.env?.['INGEST_STATE_MACHINE_ARN'] ?? this.stateMachineArn('ingest');
        await judgeDirectCall('states:StartExecution', startExecutionRequests(arn, judge.policies));
      }
      const { executionArn } = this.startExecution('ingest', name, JSON.parse(input) as unknown);
      return { executionArn, startDate: new Date() };
    },
  } as unknown as SFNClient;

  /** StartExecution for start-ingest: its real SDK adapter, answered by {@link startExecution}. */
  readonly startIngestExecution: StartExecutionFn = async (request: {
    name: string;
    input: IngestExecutionInput;
  }) => {
    const { sdkStartExecution } = (await import(
      pathToFileURL(resolve(REPO_ROOT, 'lambdas/start-ingest.ts')).href
    )) as { sdkStartExecution: (client: SFNClient, arn: string) => StartExecutionFn };
    return sdkStartExecution(this.localSfnClient, this.stateMachineArn('ingest'))(request);
  };

  /** Whether start-ingest's StartExecution started an execution named `name`. */
  readonly hasExecution = (name: string): boolean => this.started.has(name);

  /** The execution started under `name`, awaited. */
  async startedExecution(name: string): Promise<ExecutionResult | null> {
    return this.started.result(name);
  }

  /**
   * Simulates S3 → EventBridge → start-ingest for one object: builds the "Object Created"
   * event, calls the real start-ingest handler (StartExecution goes to this runner), and
   * waits for the ingest execution it started, if any.
   */
  async runSeedDrop(drop: SeedDrop): Promise<SeedDropResult> {
    this.applyEnv();
    const { makeHandler } = (await import(
      pathToFileURL(resolve(REPO_ROOT, 'lambdas/start-ingest.ts')).href
    )) as {
      makeHandler: (options: { startExecution: StartExecutionFn }) => LocalHandler;
    };
    const spec = pipelineFunctions.find((f) => f.id === 'StartIngest');
    if (!spec) throw new Error('lib/pipeline-functions.ts lists no StartIngest function');
    // Within StartIngest's limits and container, as every other invocation.
    const handler = makeHandler({ startExecution: this.startIngestExecution });
    const event = objectCreatedEvent(drop, this.region, this.accountId);
    const lambda = new LambdaLimits(this.containers);
    const outcome = (await this.functions.invoke(spec, event, lambda, handler)) as StartIngestOutcome;
    const execution = outcome.outcome === 'started' ? await this.startedExecution(outcome.runId) : null;
    return { outcome, execution };
  }
}
