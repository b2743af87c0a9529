/**
 * Stage-by-stage progress for long CLI commands: a spinner line on a terminal, plain
 * timestamped lines otherwise (CI logs, pipes), so output stays readable either way.
 */

export interface Progress {
  /** Marks `stage` as running (the previous running stage, if any, is marked done). */
  start(stage: string): void;
  /** Marks the running stage as done, with an optional detail. */
  done(detail?: string): void;
  /** Marks the running stage as failed. */
  fail(detail: string): void;
  /** Prints a line that does not change the stage. */
  note(message: string): void;
  /** Stops the spinner. */
  stop(): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Creates a progress display; `interactive` defaults to whether `out` is a TTY. */
/** Where progress is drawn: a stream, or just its `write` (e.g. the terminal's, while stderr is captured). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export function createProgress(
  out: ProgressOutput = process.stderr,
  options: { interactive?: boolean; now?: () => number } = {},
): Progress {
  const interactive = options.interactive ?? Boolean(out.isTTY);
  const now = options.now ?? Date.now;
  let stage: string | null = null;
  let startedAt = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | null = null;

  const elapsed = (): string => `${((now() - startedAt) / 1000).toFixed(1)}s`;
  const clear = (): void => {
    if (interactive) out.write('\r\x1b[2K');
  };
  const render = (): void => {
    if (!interactive || stage === null) return;
    clear();
    out.write(`${frames[frame++ % frames.length] ?? ''} ${stage} ${elapsed()}`);
  };
  const finish = (mark: string, detail?: string): void => {
    if (stage === null) return;
    if (timer) clearInterval(timer);
    timer = null;
    clear();
    out.write(`${mark} ${stage} (${elapsed()})${detail ? `: ${detail}` : ''}\n`);
    stage = null;
  };

  return {
    start(next) {
      finish('✔');
      stage = next;
      startedAt = now();
      if (interactive) {
        render();
        timer = setInterval(render, 100);
        timer.unref();
      } else {
        out.write(`… ${next}\n`);
      }
    },
    done: (detail) => finish('✔', detail),
    fail: (detail) => finish('✖', detail),
    note(message) {
      clear();
      out.write(`  ${message}\n`);
      render();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      clear();
    },
  };
}
