/**
 * A ledger of every sensitive value the simulator hands out (bearer tokens, client secrets, claim
 * tokens, artifact URLs and their signatures), so tests can prove that none of them reaches a log,
 * an execution history or any other captured output. Test support, not a vendor behaviour.
 */

/** What kind of secret a {@link SensitiveValue} is. */
export type SensitiveKind =
  'bearer_token' | 'client_secret' | 'claim_token' | 'artifact_url' | 'url_signature';

/** One value the simulator handed out that must never be logged. */
export interface SensitiveValue {
  readonly kind: SensitiveKind;
  readonly value: string;
}

/** Values kept at most; the oldest are forgotten first (bounds memory in long benchmarks). */
const MAX_VALUES = 50_000;

/** Insertion-ordered, de-duplicated record of handed-out secrets. */
export class SensitiveLedger {
  private readonly values = new Map<string, SensitiveKind>();

  /** Records `value` (empty strings are ignored). */
  record(kind: SensitiveKind, value: string | null | undefined): void {
    if (!value) return;
    this.values.delete(value);
    this.values.set(value, kind);
    if (this.values.size > MAX_VALUES) {
      const oldest = this.values.keys().next().value;
      if (oldest !== undefined) this.values.delete(oldest);
    }
  }

  /** Everything recorded so far. */
  list(): SensitiveValue[] {
    return [...this.values].map(([value, kind]) => ({ kind, value }));
  }
}
