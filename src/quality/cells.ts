/**
 * Cell values as the quality report compares them, whatever file format they came from: numbers
 * (CSV text that reads as a number included), text, booleans as `TRUE`/`FALSE`, and `null` for
 * missing cells. Rows are hashed to 52-bit integers so that "is this synthetic row a seed row" is
 * a binary search in a sorted `Float64Array` (8 bytes per seed row), not a string set.
 */
import { isCsvNull } from '../landing/columns.ts';

export type Cell = number | string | null;

const NUMBER_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** The comparable form of one value read from a seed or an artifact. */
export function toCell(value: unknown): Cell {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value + 0 : Number.isNaN(value) ? null : value;
    case 'bigint':
      return Number(value);
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'string': {
      const text = value.trim();
      if (isCsvNull(text)) return null;
      // + 0: -0 reads as 0, as it does when the reader hands over the number itself.
      if (NUMBER_TEXT.test(text)) return Number(text) + 0;
      const lower = text.toLowerCase();
      if (lower === 'true') return 'TRUE';
      if (lower === 'false') return 'FALSE';
      return text;
    }
    case 'object':
      if (value === null) return null;
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value);
    case 'undefined':
      return null;
    default:
      return String(value);
  }
}

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

/** Incremental 2 × 32-bit hash (FNV-1a lanes with different offsets) of a sequence of cells. */
export class RowHasher {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;

  reset(): void {
    this.a = 0x811c9dc5;
    this.b = 0x01000193 ^ 0x5bd1e995;
  }

  private mix(word: number): void {
    this.a = Math.imul(this.a ^ word, 0x01000193) >>> 0;
    this.b = Math.imul(this.b ^ word, 0x5bd1e995) >>> 0;
    this.b ^= this.b >>> 15;
  }

  add(cell: Cell): void {
    if (cell === null) {
      this.mix(0x9e3779b9);
    } else if (typeof cell === 'number') {
      scratch[0] = cell;
      this.mix(0x1b873593);
      this.mix(words[0]!);
      this.mix(words[1]!);
    } else {
      this.mix(0x85ebca6b);
      for (let i = 0; i < cell.length; i++) this.mix(cell.charCodeAt(i));
      this.mix(cell.length);
    }
  }

  /** A 52-bit integer (exact in a double); collisions between n rows have probability ≈ n²/2⁵³. */
  value(): number {
    const a = Math.imul(this.a ^ (this.a >>> 16), 0x85ebca6b) >>> 0;
    const b = Math.imul(this.b ^ (this.b >>> 13), 0xc2b2ae35) >>> 0;
    return (a >>> 0) * 2 ** 20 + (b >>> 12);
  }
}

/** Hash prefix bits of the bucket index built when a {@link HashSet} is sorted. */
const INDEX_BITS = 16;
/** 2^(52 − INDEX_BITS): dividing a 52-bit hash by it leaves its top {@link INDEX_BITS} bits. */
const INDEX_DIVISOR = 2 ** (52 - INDEX_BITS);

/**
 * A growable list of row hashes that becomes a sorted set for membership tests. Sorting also
 * builds an index of where each 16-bit hash prefix starts (256 KiB), so a lookup is a binary
 * search over the few hashes sharing its prefix rather than over the whole seed, and a presence
 * bitmap (about 2 bytes per hash) that answers most lookups of absent hashes with one bit.
 */
export class HashSet {
  private values = new Float64Array(1024);
  private size = 0;
  private sorted = true;
  private starts: Uint32Array | null = null;
  private presence = new Uint32Array(0);
  private presenceBits = 0;

  get length(): number {
    return this.size;
  }

  add(hash: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = hash;
    this.sorted = false;
    this.starts = null;
  }

  private index(): Uint32Array {
    if (!this.sorted) {
      this.values = this.values.slice(0, this.size).sort();
      this.sorted = true;
    }
    const starts = new Uint32Array((1 << INDEX_BITS) + 1);
    for (let i = 0; i < this.size; i++) starts[Math.floor(this.values[i]! / INDEX_DIVISOR) + 1]! += 1;
    for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
    // About 16 bits per hash: most absent hashes are turned away by one bit, without a search.
    this.presenceBits = Math.min(30, Math.max(10, Math.ceil(Math.log2(Math.max(1, this.size))) + 4));
    this.presence = new Uint32Array(2 ** (this.presenceBits - 5));
    for (let i = 0; i < this.size; i++) {
      const bit = this.presenceBit(this.values[i]!);
      this.presence[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.starts = starts;
    return starts;
  }

  /** The presence bit of `hash`: its low bits (the index uses its high ones). */
  private presenceBit(hash: number): number {
    return (hash % 2 ** this.presenceBits) >>> 0;
  }

  has(hash: number): boolean {
    const starts = this.starts ?? this.index();
    const bit = this.presenceBit(hash);
    if ((this.presence[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    const prefix = Math.floor(hash / INDEX_DIVISOR);
    if (!(prefix >= 0 && prefix < starts.length - 1)) return false;
    let lo = starts[prefix]!;
    let hi = starts[prefix + 1]! - 1;
    const values = this.values;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = values[mid]!;
      if (v === hash) return true;
      if (v < hash) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** How many hashes of `other` (with repeats) are in this set. */
  countIn(other: HashSet): number {
    let n = 0;
    for (let i = 0; i < other.size; i++) if (this.has(other.values[i]!)) n += 1;
    return n;
  }
}

/** mulberry32: a small seeded generator, so a report is reproducible for the same files. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reservoir sampling (algorithm R): a uniform sample of at most `capacity` items of a stream. */
export class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;

  constructor(
    readonly capacity: number,
    private readonly random: () => number,
  ) {}

  /** Offers the next item; `make` is only called when the item is kept. */
  offer(make: () => T): void {
    const slot = this.nextSlot();
    if (slot >= 0) this.items[slot] = make();
  }

  /**
   * Offers the next item without building it: the slot to store it in, or -1 when it is not
   * kept (the same draws as {@link offer}; for hot loops that should not allocate per item).
   */
  nextSlot(): number {
    this.seen += 1;
    if (this.items.length < this.capacity) return this.items.length;
    const j = Math.floor(this.random() * this.seen);
    return j < this.capacity ? j : -1;
  }

  get offered(): number {
    return this.seen;
  }
}
