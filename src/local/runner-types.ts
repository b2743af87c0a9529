/** What the local runner is given and what it reports for each execution. */
import type { Context } from 'aws-lambda';
import type { StartIngestOutcome } from '../pipeline/start-ingest.ts';
import type { IamJudge } from './iam/judge.ts';
import type { FunctionLimits, FunctionReport } from './lambda-limits.ts';
import type { HistoryEvent } from './quota-execution.ts';

export type StateMachineName = 'ingest' | 'generate';

/** A Lambda handler as the runner calls it. */
export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface ExecutionResult {
  readonly stateMachine: StateMachineName;
  readonly name: string;
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  /** For FAILED: the error name and cause, as Step Functions reports them. */
  readonly error: string | null;
  readonly cause: string | null;
  readonly events: readonly HistoryEvent[];
  /** States entered plus retries: what AWS bills as state transitions. */
  readonly stateTransitions: number;
  /** Task invocations by state name. */
  readonly taskInvocations: Readonly<Record<string, number>>;
  /** Events AWS would have written to the execution's history (at most 25,000). */
  readonly historyLength: number;
  /** Most inline Map iterations that ran at once (at most 40). */
  readonly maxConcurrentIterations: number;
  /** Per function: invocations, longest duration against its timeout, peak memory against its size. */
  readonly functions: readonly FunctionReport[];
  /**
   * For a FAILED execution: what the run-record function answered to the "Execution Status
   * Change" event EventBridge delivers (the construct's ExecutionEndedRule), or its error.
   */
  readonly statusChange: { readonly answer: unknown; readonly error: string | null } | null;
  /** `$$.Execution.RedriveCount`: 0 for the first attempt, n after n redrives. */
  readonly redriveCount: number;
}

export interface LocalRunnerOptions {
  /** Environment for the handlers (merged into `process.env` before each run). */
  readonly env?: Readonly<Record<string, string>>;
  /** Value substituted for `${MapMaxConcurrency}` (default 4; 1..40 as the construct allows). */
  readonly mapMaxConcurrency?: number;
  /** Real milliseconds each Wait state sleeps instead of its seconds (default 20). */
  readonly waitMs?: number;
  /**
   * Compress the computed poll schedule instead of replacing it: each poll Task first sleeps the
   * wait the poll Lambda asked for (`poll.nextWaitSeconds`) divided by this factor, and Wait states
   * pass at once. A local run then polls as often as a deployed run would, only faster.
   */
  readonly pollTimeScale?: number;
  /**
   * Wait states that wait for the vendor's Retry-After or the shared pacing's turn (SecondsPath
   * `….vendorWait.seconds`) sleep their real seconds, as deployed, instead of `waitMs`, and so
   * does a poll waiting for its reserved pacing slot (`poll.reservation`): runs that queue for
   * the vendor then take turns in real time (a scale run with pacing on).
   */
  readonly realVendorWaits?: boolean;
  /**
   * Function invocations run at once in this process (default: no limit); more wait for a slot,
   * their timeouts starting when they run (src/local/invocation-slots.ts). For drops of hundreds
   * of runs at once, which would otherwise all be in flight on one Node process and one moto.
   */
  readonly maxConcurrentInvocations?: number;
  /** Real milliseconds between Task retries (default 5). */
  readonly retryIntervalMs?: number;
  /** Replace the handler of a function id (e.g. to observe calls); default: its real handler. */
  readonly handlerOverrides?: Readonly<Partial<Record<string, LocalHandler>>>;
  /**
   * Each function's limits as the synthesized template sets them (Timeout, MemorySize,
   * EphemeralStorage): `LocalEnvironment.stack.functionLimits`. Default: the default local
   * stack's template, synthesized.
   */
  readonly functionLimits?: Readonly<Record<string, FunctionLimits>>;
  /** Other limits for some functions (e.g. a short timeout, a small `/tmp`), over `functionLimits`. */
  readonly lambdaLimits?: Readonly<Partial<Record<string, Partial<FunctionLimits>>>>;
  /** Called with every history event as it happens (progress displays). */
  readonly onEvent?: (event: HistoryEvent, stateMachine: StateMachineName) => void;
  /**
   * Judges every AWS call of every handler against its role in the synthesized template; a call
   * IAM would refuse fails as on AWS (see src/local/iam/). Absent: calls are not judged.
   */
  readonly iam?: IamJudge;
  /** Region and account used in fake ARNs. */
  readonly region?: string;
  readonly accountId?: string;
}

export interface SeedDropResult {
  readonly outcome: StartIngestOutcome;
  /** The ingest execution this drop started (absent for duplicates, rejections, ignored files). */
  readonly execution: ExecutionResult | null;
}
