/**
 * How a handler sleeps until its vendor request's pacing slot (at most a few seconds,
 * src/client/pacing.ts). On Lambda a plain timer. A local run whose host caps the invocations it
 * runs at once wraps the sleep so the invocation lends its place meanwhile
 * (src/local/invocation-slots.ts): sleeping loads neither the host nor its AWS stand-ins, and on
 * AWS every invocation has a sandbox of its own.
 */
type Sleep = (ms: number) => Promise<void>;

const timer: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let around: (<T>(wait: () => Promise<T>) => Promise<T>) | null = null;

export const pacingSleep: Sleep = (ms) => (around ? around(() => timer(ms)) : timer(ms));

/** Local runs: runs every pacing sleep through `wrap`. */
export function wrapPacingSleep(wrap: <T>(wait: () => Promise<T>) => Promise<T>): void {
  around = wrap;
}
