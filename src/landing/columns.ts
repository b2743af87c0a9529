/**
 * The schema of a landed file, as Glue/Athena (Hive DDL) types, derived from the file itself:
 * the Parquet footer, the Arrow schema message (`arrow-inspect.ts`), or for CSV an inference over
 * every value.
 */
import type { SchemaTree } from 'hyparquet';
import type { CsvRecord } from './csv-scan.ts';

/** One column of a landed file. `type` is a Hive DDL type Glue and Athena accept. */
export interface LandedColumn {
  /** The name in the file: the vendor's cleaned name (e.g. `Body.Mass..g.`). */
  readonly name: string;
  readonly type: string;
  /**
   * The Glue/Athena column name (`body_mass_g`), from `athena-names.ts`; set in manifests written
   * since names are mapped (older manifests are mapped when read by the catalog).
   */
  readonly athenaName?: string;
  /**
   * CSV only: true when some cells are empty/NA. Athena's OpenCSVSerDe cannot read empty cells
   * as numbers or booleans, so the catalog declares such columns as `string`.
   */
  readonly hasNulls?: boolean;
}

function parquetLeafType(tree: SchemaTree): string {
  const el = tree.element;
  const logical = el.logical_type;
  const converted = el.converted_type;
  const decimal =
    logical?.type === 'DECIMAL'
      ? `decimal(${logical.precision},${logical.scale})`
      : converted === 'DECIMAL'
        ? `decimal(${el.precision ?? 38},${el.scale ?? 0})`
        : null;
  switch (el.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
      if (decimal) return decimal;
      if (logical?.type === 'DATE' || converted === 'DATE') return 'date';
      if (logical?.type === 'INTEGER') {
        if (!logical.isSigned) return logical.bitWidth >= 32 ? 'bigint' : 'int';
        return logical.bitWidth === 8 ? 'tinyint' : logical.bitWidth === 16 ? 'smallint' : 'int';
      }
      if (converted === 'INT_8') return 'tinyint';
      if (converted === 'INT_16') return 'smallint';
      if (converted === 'UINT_32') return 'bigint';
      return 'int';
    case 'INT64':
      if (decimal) return decimal;
      if (
        logical?.type === 'TIMESTAMP' ||
        converted === 'TIMESTAMP_MILLIS' ||
        converted === 'TIMESTAMP_MICROS'
      ) {
        return 'timestamp';
      }
      if ((logical?.type === 'INTEGER' && !logical.isSigned) || converted === 'UINT_64')
        return 'decimal(20,0)';
      return 'bigint';
    case 'INT96':
      return 'timestamp';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (decimal) return decimal;
      if (
        logical?.type === 'STRING' ||
        logical?.type === 'ENUM' ||
        logical?.type === 'JSON' ||
        converted === 'UTF8' ||
        converted === 'ENUM' ||
        converted === 'JSON'
      ) {
        return 'string';
      }
      return 'binary';
    default:
      return 'string';
  }
}

function parquetType(tree: SchemaTree): string {
  if (tree.children.length === 0) return parquetLeafType(tree);
  const annotation = tree.element.logical_type?.type ?? tree.element.converted_type;
  if (annotation === 'LIST') {
    // LIST -> repeated group "list" -> element
    const repeated = tree.children[0];
    const element = repeated && repeated.children.length === 1 ? repeated.children[0]! : repeated;
    return `array<${element ? parquetType(element) : 'string'}>`;
  }
  if (annotation === 'MAP' || annotation === 'MAP_KEY_VALUE') {
    const kv = tree.children[0];
    const key = kv?.children[0];
    const value = kv?.children[1];
    return `map<${key ? parquetType(key) : 'string'},${value ? parquetType(value) : 'string'}>`;
  }
  return `struct<${tree.children.map((c) => `${c.element.name}:${parquetType(c)}`).join(',')}>`;
}

/** Top-level columns of a Parquet schema tree (from `parquetSchema(metadata)`). */
export function parquetColumns(root: SchemaTree): LandedColumn[] {
  return root.children.map((child) => ({ name: child.element.name, type: parquetType(child) }));
}

/** What a CSV column's cells read as so far, widest last; numbers keep the per-cell loop cheap. */
const EMPTY = 0;
const BOOLEAN = 1;
const BIGINT = 2;
const DOUBLE = 3;
const STRING = 4;
type CsvKind = typeof EMPTY | typeof BOOLEAN | typeof BIGINT | typeof DOUBLE | typeof STRING;
const KIND_TYPES = ['string', 'boolean', 'bigint', 'double', 'string'] as const;

const CSV_NULLS = new Set(['', 'NA', 'NaN', 'null', 'NULL']);
/** Longer cells are text: no number, boolean or null keyword is this long. */
const MAX_CLASSIFIED_BYTES = 40;
const CSV_BOOLEAN = /^(?:true|false|TRUE|FALSE|True|False)$/;
const CSV_INTEGER = /^[+-]?\d{1,18}$/;
const CSV_DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function kindOf(value: string): CsvKind {
  if (CSV_NULLS.has(value)) return EMPTY;
  if (CSV_BOOLEAN.test(value)) return BOOLEAN;
  if (CSV_INTEGER.test(value)) return BIGINT;
  if (CSV_DOUBLE.test(value) || value === 'Inf' || value === '-Inf') return DOUBLE;
  return STRING;
}

const KEYWORD_KINDS: ReadonlyMap<string, CsvKind> = new Map([
  ...[...CSV_NULLS].filter((k) => k !== '').map((k) => [k, EMPTY] as const),
  ...['true', 'false', 'TRUE', 'FALSE', 'True', 'False'].map((k) => [k, BOOLEAN] as const),
  ['Inf', DOUBLE],
  ['-Inf', DOUBLE],
]);
/** Longest keyword of {@link KEYWORD_KINDS}, in bytes. */
const MAX_KEYWORD_BYTES = 5;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

const NULL_KEYWORD_BYTES = [...CSV_NULLS].filter((k) => k !== '').map((k) => Buffer.from(k, 'latin1'));
/** 1 for the first bytes of the null keywords: most text cells are ruled out by one lookup. */
const NULL_KEYWORD_FIRST_BYTE = new Uint8Array(256);
for (const k of NULL_KEYWORD_BYTES) NULL_KEYWORD_FIRST_BYTE[k[0]!] = 1;

/** True for an empty or null-keyword cell, compared on raw bytes. */
function isNullBytes(buf: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0) return true;
  if (length > 4 || NULL_KEYWORD_FIRST_BYTE[buf[start]!] === 0) return false;
  return NULL_KEYWORD_BYTES.some((k) => k.length === length && buf.compare(k, 0, length, start, end) === 0);
}

/** {@link kindOf} on raw bytes `buf[start..end)`, without creating a string. */
function kindOfBytes(buf: Buffer, start: number, end: number): CsvKind {
  const length = end - start;
  if (length === 0) return EMPTY;
  if (length > MAX_CLASSIFIED_BYTES) return STRING;
  let i = start;
  if (buf[i] === 0x2b || buf[i] === 0x2d) i += 1; // + -
  let intDigits = 0;
  while (i < end && isDigit(buf[i]!)) {
    i += 1;
    intDigits += 1;
  }
  if (i === end && intDigits > 0) return intDigits <= 18 ? BIGINT : DOUBLE;
  let fracDigits = 0;
  if (i < end && buf[i] === 0x2e) {
    i += 1;
    while (i < end && isDigit(buf[i]!)) {
      i += 1;
      fracDigits += 1;
    }
  }
  if (intDigits + fracDigits > 0) {
    if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
      i += 1;
      if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i += 1;
      let expDigits = 0;
      while (i < end && isDigit(buf[i]!)) {
        i += 1;
        expDigits += 1;
      }
      if (expDigits === 0) return STRING;
    }
    if (i === end) return DOUBLE;
  }
  if (length <= MAX_KEYWORD_BYTES) return KEYWORD_KINDS.get(buf.toString('latin1', start, end)) ?? STRING;
  return STRING;
}

function widen(a: CsvKind, b: CsvKind): CsvKind {
  if (a === b || b === EMPTY) return a;
  if (a === EMPTY) return b;
  if ((a === BIGINT && b === DOUBLE) || (a === DOUBLE && b === BIGINT)) return DOUBLE;
  return STRING;
}

/** True for CSV cells that read as null (`""`, `NA`, `NaN`, `null`, `NULL`). */
export function isCsvNull(value: string): boolean {
  return CSV_NULLS.has(value);
}

/**
 * Infers Glue types for CSV columns from every value seen: `boolean`, `bigint` (integers up to 18
 * digits), `double`, else `string`; empty/NA cells do not vote; an all-empty column is `string`.
 */
export class CsvTypeInference {
  private readonly kinds: Uint8Array;
  private readonly nulls: Uint8Array;
  readonly names: readonly string[];

  constructor(header: readonly string[]) {
    this.names = header;
    this.kinds = new Uint8Array(header.length).fill(EMPTY);
    this.nulls = new Uint8Array(header.length);
  }

  observe(record: readonly string[]): void {
    for (let i = 0; i < this.kinds.length; i += 1) this.observeKind(i, kindOf(record[i] ?? ''));
  }

  /**
   * Same as {@link observe} for a scanned record, classifying the raw bytes (no strings are
   * created, which keeps the scan of a large file allocation-free).
   */
  observeRecord(record: CsvRecord): void {
    const { kinds, nulls } = this;
    const { buffer, starts, ends } = record;
    for (let i = 0; i < kinds.length; i += 1) {
      if (kinds[i] === STRING) {
        // Text stays text; only an empty/NA cell can still change what is known.
        if (nulls[i] === 0 && isNullBytes(buffer, starts[i]!, ends[i]!)) nulls[i] = 1;
        continue;
      }
      this.observeKind(i, kindOfBytes(buffer, starts[i]!, ends[i]!));
    }
  }

  private observeKind(i: number, kind: CsvKind): void {
    if (kind === EMPTY) {
      this.nulls[i] = 1;
      return;
    }
    const current = this.kinds[i]! as CsvKind;
    if (current !== kind) this.kinds[i] = widen(current, kind);
  }

  columns(): LandedColumn[] {
    return this.names.map((name, i) => ({
      name,
      type: KIND_TYPES[this.kinds[i]!]!,
      hasNulls: this.nulls[i] === 1,
    }));
  }
}
