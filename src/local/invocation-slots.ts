/**
 * How many function invocations the local host runs at once. On AWS each invocation has its own
 * sandbox; here every invocation shares one Node process and one moto, whose throughput is fixed.
 * A thousand runs that all start steps together would otherwise all be in flight at once, each
 * slowed by all the others until they reach their Lambda timeouts (a local artefact). With a limit,
 * an invocation waits for a slot first, in arrival order, and its timeout (and its context's
 * remaining time) starts only when it runs, as a sandbox's starts when Lambda hands it the event.
 */
export class InvocationSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Most invocations that waited for a slot at once. */
  mostWaiting = 0;

  /** `limit`: invocations at once (undefined: no limit). */
  constructor(readonly limit: number | undefined) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(`maxConcurrentInvocations must be a whole number >= 1 (got ${limit})`);
    }
  }

  /** Runs `work` in a slot, once one is free. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.limit === undefined) return work();
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.mostWaiting = Math.max(this.mostWaiting, this.waiting.length);
      });
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next in line (the running count stays the same).
      if (next) next();
      else this.running -= 1;
    }
  }
}
