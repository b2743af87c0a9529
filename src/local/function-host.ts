/**
 * The pipeline's Lambda functions as the local runner hosts them: each function's REAL handler
 * (from lib/pipeline-functions.ts, unless a test overrides it), its limits as the synthesized
 * template configures them, and its containers, whose `/tmp` persists across invocations.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PipelineFunctionSpec } from '../../lib/pipeline-functions.ts';
import { REPO_ROOT } from './definitions.ts';
import { onAwsClient } from '../../lambdas/commons/clients/lazy.ts';
import { wrapPacingSleep } from '../../lambdas/commons/pacing-sleep.ts';
import { invokeAs } from './iam/sdk-recorder.ts';
import { templateFunctionLimits, type FunctionLimits, type LambdaLimits } from './lambda-limits.ts';
import { fakeContext } from './lambda-events.ts';
import { TmpContainers } from './lambda-tmp.ts';
import { widenLocalSdkSockets } from './sdk-sockets.ts';
import { InvocationSlots } from './invocation-slots.ts';
import type { LocalHandler, LocalRunnerOptions } from './runner-types.ts';

export class FunctionHost {
  /** Each function's containers and their `/tmp`, kept across executions (warm starts). */
  readonly containers = new TmpContainers();
  private readonly handlers = new Map<string, Promise<LocalHandler>>();
  private configured: Promise<Readonly<Record<string, FunctionLimits>>> | null = null;
  /** Invocations run at once ({@link LocalRunnerOptions.maxConcurrentInvocations}). */
  readonly slots: InvocationSlots;

  constructor(
    private readonly options: LocalRunnerOptions,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    // Concurrent invocations share the handlers' SDK clients here, not on AWS (sdk-sockets.ts).
    onAwsClient(widenLocalSdkSockets);
    this.slots = new InvocationSlots(options.maxConcurrentInvocations);
    // A handler sleeping for its pacing slot lends its invocation slot (invocation-slots.ts).
    wrapPacingSleep((wait) => InvocationSlots.idleWhile(wait));
  }

  /**
   * A function's limits as the synthesized template configures them (the environment's, else the
   * default local stack's), with the test's overrides on top.
   */
  async limitsFor(spec: PipelineFunctionSpec): Promise<FunctionLimits> {
    this.configured ??= this.options.functionLimits
      ? Promise.resolve(this.options.functionLimits)
      : import('./environment.ts').then(({ defaultLocalTemplate }) =>
          templateFunctionLimits(defaultLocalTemplate()),
        );
    const configured = (await this.configured)[spec.id];
    if (!configured) throw new Error(`the synthesized template has no Lambda function ${spec.id}`);
    return { ...configured, ...this.options.lambdaLimits?.[spec.id] };
  }

  /**
   * Invokes a function's handler (or `handler`, one built for the local run) within its limits, in
   * one of its containers, its calls judged.
   */
  async invoke(
    spec: PipelineFunctionSpec,
    event: unknown,
    lambda: LambdaLimits,
    handler?: LocalHandler,
  ): Promise<unknown> {
    const limits = await this.limitsFor(spec);
    const run = handler ?? (await this.handlerFor(spec));
    // The timeout and the context's remaining time start once a slot is free; a step holding a
    // reserved pacing slot is on a schedule, and starts first.
    return this.slots.run(() => {
      const context = fakeContext(spec, limits, this.region, this.accountId);
      return lambda.invoke(spec.id, limits, event, (tmpDir) =>
        invokeAs(spec.id, this.options.iam ?? null, () => run(event, context), tmpDir),
      );
    }, holdsPacingSlot(event));
  }

  private handlerFor(spec: PipelineFunctionSpec): Promise<LocalHandler> {
    const override = this.options.handlerOverrides?.[spec.id];
    if (override) return Promise.resolve(override);
    let loaded = this.handlers.get(spec.id);
    if (!loaded) {
      loaded = import(pathToFileURL(resolve(REPO_ROOT, spec.entry)).href).then(
        (mod: { handler?: unknown }) => {
          if (typeof mod.handler !== 'function')
            throw new Error(`${spec.entry} does not export a handler function`);
          return mod.handler as LocalHandler;
        },
      );
      this.handlers.set(spec.id, loaded);
    }
    return loaded;
  }
}

/** Whether a step's input carries a reserved pacing slot (its wait's, or its poll's). */
export function holdsPacingSlot(event: unknown): boolean {
  const input = event as {
    vendorWait?: { reservedAt?: unknown } | null;
    poll?: { reservation?: { reservedAt?: unknown } | null } | null;
  } | null;
  return (
    typeof input?.vendorWait?.reservedAt === 'number' ||
    typeof input?.poll?.reservation?.reservedAt === 'number'
  );
}
