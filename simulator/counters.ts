/** Counters the simulator exposes to tests and benchmarks. */

export interface SimulatorCounters {
  /** Calls per route label, `METHOD /template` (e.g. `GET /v1/jobs/{job_id}`). */
  readonly calls: Readonly<Record<string, number>>;
  readonly tokenMints: number;
  /** Rows reserved by accepted generation requests (cumulative). */
  readonly rowsReserved: number;
  /** Rows committed (billed) by completed generations (cumulative). */
  readonly rowsCommitted: number;
  /** Training runs executed. */
  readonly trainings: number;
  /** Generation runs executed. */
  readonly generationsExecuted: number;
  /** Work executed twice for the same input (same seed bytes + options, same generation request). */
  readonly duplicateWork: number;
  /** Requests answered from a stored idempotent response. */
  readonly idempotentReplays: number;
  /** Injected faults by kind (`status:503`, `latency`, `reset`, `truncate`, `rate`, `job:<code>`). */
  readonly faults: Readonly<Record<string, number>>;
}

type Scalar = Exclude<keyof SimulatorCounters, 'calls' | 'faults'>;

/** Mutable counter set; `snapshot()` returns a copy. */
export class Counters {
  private calls = new Map<string, number>();
  private values: Record<Scalar, number> = Counters.zero();

  private static zero(): Record<Scalar, number> {
    return {
      tokenMints: 0,
      rowsReserved: 0,
      rowsCommitted: 0,
      trainings: 0,
      generationsExecuted: 0,
      duplicateWork: 0,
      idempotentReplays: 0,
    };
  }

  call(route: string): void {
    this.calls.set(route, (this.calls.get(route) ?? 0) + 1);
  }

  add(name: Scalar, by = 1): void {
    this.values[name] += by;
  }

  snapshot(faults: ReadonlyMap<string, number>): SimulatorCounters {
    return { calls: Object.fromEntries(this.calls), ...this.values, faults: Object.fromEntries(faults) };
  }

  reset(): void {
    this.calls = new Map();
    this.values = Counters.zero();
  }
}
