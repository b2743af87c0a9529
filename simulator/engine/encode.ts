/**
 * Artifact encodings of generated rows:
 * - `parquet`: one file (hyparquet-writer, Snappy); integer columns INT32 (DOUBLE when a value
 *   does not fit), numeric DOUBLE, factors STRING, logicals BOOLEAN; nulls as OPTIONAL.
 * - `csv`: RFC 4180 text, header row, `\n` line ends, minimal quoting, empty field = null,
 *   logicals as `TRUE`/`FALSE`.
 * - `arrow`: the Arrow IPC **file** format (`application/vnd.apache.arrow.file`, `ARROW1` magic),
 *   with Int32/Float64/Bool columns and factors as Dictionary<Int32, Utf8> (like R's arrow).
 */
import {
  Bool,
  Dictionary,
  Float64,
  Int32,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import type { Data, Vector } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { ArtifactFormat, GeneratedColumn, GeneratedColumns } from './types.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Content type the vendor sends for each output format. */
export const ARTIFACT_CONTENT_TYPES: Readonly<Record<ArtifactFormat, string>> = {
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv',
  arrow: 'application/vnd.apache.arrow.file',
};

/** File extension of each output format. */
export const ARTIFACT_EXTENSIONS: Readonly<Record<ArtifactFormat, string>> = {
  parquet: 'parquet',
  csv: 'csv',
  arrow: 'arrow',
};

/** Encodes generated rows in the requested output format. */
export function encodeArtifact(columns: GeneratedColumns, format: ArtifactFormat): Promise<Buffer> {
  switch (format) {
    case 'parquet':
      return Promise.resolve(encodeParquet(columns));
    case 'csv':
      return Promise.resolve(encodeCsv(columns));
    case 'arrow':
      return Promise.resolve(encodeArrow(columns));
    default:
      return Promise.reject(
        new RangeError(`Unsupported output format "${String(format)}"; use parquet, csv or arrow.`),
      );
  }
}

/** Column values as JS scalars (`null` = missing). */
function plainValues(column: GeneratedColumn): Array<number | string | boolean | null> {
  if (column.kind === 'numeric') return Array.from(column.values, (v) => (Number.isNaN(v) ? null : v));
  const { levels, codes } = column;
  if (column.type === 'logical') return Array.from(codes, (c) => (c < 0 ? null : levels[c] === 'TRUE'));
  return Array.from(codes, (c) => (c < 0 ? null : levels[c]!));
}

function fitsInt32(values: Float64Array): boolean {
  return values.every((v) => Number.isNaN(v) || (v >= INT32_MIN && v <= INT32_MAX));
}

function encodeParquet({ columns }: GeneratedColumns): Buffer {
  const columnData = columns.map((column): ColumnSource => {
    const data = plainValues(column);
    if (column.kind === 'numeric') {
      const type = column.type === 'integer' && fitsInt32(column.values) ? 'INT32' : 'DOUBLE';
      return { name: column.name, data, type };
    }
    return { name: column.name, data, type: column.type === 'logical' ? 'BOOLEAN' : 'STRING' };
  });
  return Buffer.from(parquetWriteBuffer({ columnData }));
}

function encodeArrow({ rowCount, columns }: GeneratedColumns): Buffer {
  // fromEntries defines own properties, whatever the column names are.
  const vectors: Record<string, Vector> = Object.fromEntries(
    columns.map((column, index) => [column.name, makeVector(arrowData(column, rowCount, index))]),
  );
  return Buffer.from(tableToIPC(new Table(vectors), 'file'));
}

/** Builds Arrow buffers directly (a validity bitmap plus typed values) to stay fast at 100k+ rows. */
function arrowData(column: GeneratedColumn, length: number, index: number): Data {
  const valid = (i: number): boolean =>
    column.kind === 'numeric' ? !Number.isNaN(column.values[i]!) : column.codes[i]! >= 0;
  const nullBitmap = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (valid(i)) nullBitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  if (column.kind === 'numeric') {
    if (column.type === 'integer' && fitsInt32(column.values)) {
      const data = Int32Array.from(column.values, (v) => (Number.isNaN(v) ? 0 : v));
      return makeData({ type: new Int32(), length, nullCount, nullBitmap, data });
    }
    const data = column.values.map((v) => (Number.isNaN(v) ? 0 : v));
    return makeData({ type: new Float64(), length, nullCount, nullBitmap, data });
  }
  if (column.type === 'logical') {
    const truth = column.levels.indexOf('TRUE');
    const data = new Uint8Array(Math.ceil(length / 8));
    for (let i = 0; i < length; i++) if (column.codes[i] === truth) data[i >> 3]! |= 1 << (i & 7);
    return makeData({ type: new Bool(), length, nullCount, nullBitmap, data });
  }
  const dictionary = vectorFromArray([...column.levels], new Utf8());
  const data = column.codes.map((c) => (c < 0 ? 0 : c));
  return makeData({
    // An explicit dictionary id (else apache-arrow uses a global counter and the bytes vary).
    type: new Dictionary(new Utf8(), new Int32(), index, false),
    length,
    nullCount,
    nullBitmap,
    data,
    dictionary,
  });
}

function encodeCsv({ rowCount, columns }: GeneratedColumns): Buffer {
  const cells = columns.map((column) => csvCells(column));
  const lines = [columns.map((column) => csvQuote(column.name)).join(',')];
  for (let row = 0; row < rowCount; row++) {
    let line = '';
    for (let col = 0; col < cells.length; col++) {
      if (col > 0) line += ',';
      line += cells[col]![row]!;
    }
    lines.push(line);
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** Every value of a column as a CSV field. */
function csvCells(column: GeneratedColumn): string[] {
  if (column.kind === 'numeric') return Array.from(column.values, (v) => (Number.isNaN(v) ? '' : String(v)));
  const quoted = column.levels.map(csvQuote);
  return Array.from(column.codes, (c) => (c < 0 ? '' : quoted[c]!));
}

function csvQuote(text: string): string {
  return /[",\r\n]|^\s|\s$|^$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
