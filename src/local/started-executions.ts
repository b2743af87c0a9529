/**
 * The executions a local runner has started by name, with StartExecution's rules as Step
 * Functions applies them: `InvalidName` for a bad name, `InvalidExecutionInput` over 256 KiB; a
 * name already used returns the same execution when it is still running with the same input, and
 * otherwise throws `ExecutionAlreadyExists`.
 */
import type { ExecutionResult, StateMachineName } from './runner-types.ts';
import {
  STATE_PAYLOAD_LIMIT_BYTES,
  StepFunctionsApiError,
  checkExecutionName,
  utf8JsonBytes,
} from './sfn-quotas.ts';

interface StartedExecution {
  readonly stateMachine: StateMachineName;
  readonly inputText: string;
  running: boolean;
  result: Promise<ExecutionResult>;
}

export class StartedExecutions {
  private readonly started = new Map<string, StartedExecution>();

  /**
   * Starts `name` (`run` runs it in the background) after StartExecution's checks; returns
   * whether it is a new execution (false: the same one, still running, asked for again).
   */
  start(
    stateMachine: StateMachineName,
    name: string,
    input: unknown,
    executionArn: string,
    run: () => Promise<ExecutionResult>,
  ): boolean {
    checkExecutionName(name);
    const inputText = JSON.stringify(input ?? {});
    if (utf8JsonBytes(input ?? {}) > STATE_PAYLOAD_LIMIT_BYTES) {
      throw new StepFunctionsApiError(
        'InvalidExecutionInput',
        `The execution input exceeds ${STATE_PAYLOAD_LIMIT_BYTES} UTF-8 bytes.`,
      );
    }
    const existing = this.started.get(name);
    if (existing) {
      if (existing.running && existing.inputText === inputText && existing.stateMachine === stateMachine) {
        return false;
      }
      throw new StepFunctionsApiError(
        'ExecutionAlreadyExists',
        `Execution Already Exists: '${executionArn}'`,
      );
    }
    const entry: StartedExecution = { stateMachine, inputText, running: true, result: run() };
    this.track(entry, entry.result);
    this.started.set(name, entry);
    return true;
  }

  /** A redrive of `name` (of `stateMachine`): it runs again, with `result` as its new outcome. */
  redriven(stateMachine: StateMachineName, name: string, result: Promise<ExecutionResult>): void {
    const entry = this.started.get(name);
    if (entry?.stateMachine === stateMachine) this.track(entry, result);
  }

  has(name: string): boolean {
    return this.started.has(name);
  }

  /** The execution started under `name`, awaited; null when none was. */
  async result(name: string): Promise<ExecutionResult | null> {
    return (await this.started.get(name)?.result) ?? null;
  }

  private track(entry: StartedExecution, result: Promise<ExecutionResult>): void {
    entry.running = true;
    entry.result = result.finally(() => {
      entry.running = false;
    });
  }
}
