/**
 * How many function invocations the local host runs at once. On AWS each invocation has its own
 * sandbox; here every invocation shares one Node process and one moto, whose throughput is fixed.
 * A thousand runs that all start steps together would otherwise all be in flight at once, each
 * slowed by all the others until they reach their Lambda timeouts (a local artefact). With a limit,
 * an invocation waits for a slot first, in arrival order, and its timeout (and its context's
 * remaining time) starts only when it runs, as a sandbox's starts when Lambda hands it the event.
 *
 * The limit stands for this host's work, not for Lambda's concurrency, so two things that are no
 * work here do not wait behind it as they would not on AWS: an invocation sleeping until its
 * vendor request's pacing slot ({@link InvocationSlots.idleWhile}) lends its slot meanwhile, and an
 * invocation on a schedule (one that holds a reserved pacing slot, late by the grace if it starts
 * late) is started ahead of those that are not.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The slots the calling invocation runs in. */
const holding = new AsyncLocalStorage<InvocationSlots>();

export class InvocationSlots {
  private running = 0;
  /** Invocations waiting for a slot: urgent ones first, each kind in arrival order. */
  private readonly waiting: { readonly urgent: boolean; readonly start: () => void }[] = [];
  /** Most invocations that waited for a slot at once. */
  mostWaiting = 0;

  /** `limit`: invocations at once (undefined: no limit). */
  constructor(readonly limit: number | undefined) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(`maxConcurrentInvocations must be a whole number >= 1 (got ${limit})`);
    }
  }

  /** Runs `work` in a slot, once one is free; `urgent` work is started before the rest. */
  async run<T>(work: () => Promise<T>, urgent = false): Promise<T> {
    if (this.limit === undefined) return work();
    await this.acquire(urgent);
    try {
      return await holding.run(this, work);
    } finally {
      this.release();
    }
  }

  /**
   * Runs `wait` (a sleep) with the calling invocation's slot lent to the next in line; the
   * invocation then takes a slot back ahead of the invocations not yet started. Outside a limited
   * invocation it just runs `wait`.
   */
  static async idleWhile<T>(wait: () => Promise<T>): Promise<T> {
    const slots = holding.getStore();
    if (!slots) return wait();
    slots.release();
    try {
      return await wait();
    } finally {
      await slots.acquire(true);
    }
  }

  private async acquire(urgent: boolean): Promise<void> {
    if (this.running < (this.limit ?? Infinity)) {
      this.running += 1;
      return;
    }
    await new Promise<void>((start) => {
      const at = urgent ? this.waiting.findIndex((w) => !w.urgent) : -1;
      this.waiting.splice(at === -1 ? this.waiting.length : at, 0, { urgent, start });
      this.mostWaiting = Math.max(this.mostWaiting, this.waiting.length);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next in line (the running count stays the same).
    if (next) next.start();
    else this.running -= 1;
  }
}
