/**
 * Arrow IPC inspection (file or stream format): one record batch at a time through a file handle,
 * and the Arrow schema as Glue/Athena types. A module of its own so that `inspect.ts` loads
 * apache-arrow only when an Arrow artifact is landed.
 */
import { open } from 'node:fs/promises';
import { DataType, Precision, RecordBatchReader, type Field, type Vector } from 'apache-arrow';
import type { LandedColumn } from './columns.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';

function arrowType(type: DataType): string {
  if (DataType.isDictionary(type)) return arrowType(type.dictionary as DataType);
  if (DataType.isBool(type)) return 'boolean';
  if (DataType.isInt(type)) {
    if (!type.isSigned) return type.bitWidth >= 64 ? 'decimal(20,0)' : type.bitWidth >= 32 ? 'bigint' : 'int';
    return type.bitWidth === 8
      ? 'tinyint'
      : type.bitWidth === 16
        ? 'smallint'
        : type.bitWidth === 32
          ? 'int'
          : 'bigint';
  }
  if (DataType.isFloat(type)) return type.precision === Precision.DOUBLE ? 'double' : 'float';
  if (DataType.isDecimal(type)) return `decimal(${type.precision},${type.scale})`;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) return 'string';
  if (DataType.isDate(type)) return 'date';
  if (DataType.isTimestamp(type)) return 'timestamp';
  if (DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isLargeList(type)) {
    const child: Field | undefined = type.children[0];
    return `array<${child ? arrowType(child.type as DataType) : 'string'}>`;
  }
  if (DataType.isStruct(type)) {
    return `struct<${type.children.map((c) => `${c.name}:${arrowType(c.type as DataType)}`).join(',')}>`;
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type))
    return 'binary';
  return 'string';
}

/** Columns of an Arrow schema. */
export function arrowColumns(fields: readonly Field[]): LandedColumn[] {
  return fields.map((f) => ({ name: f.name, type: arrowType(f.type as DataType) }));
}

/** Row count, schema and (for `visitor`) the selected columns of an Arrow IPC file. */
export async function inspectArrow(
  path: string,
  visitor: BatchVisitor | undefined,
): Promise<ArtifactInspection> {
  const handle = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    let rows = 0;
    let columns: LandedColumn[] | null = null;
    for await (const batch of reader) {
      columns ??= arrowColumns(batch.schema.fields);
      rows += batch.numRows;
      if (!visitor) continue;
      const vectors = visitor.columns.flatMap((name) => {
        const v: Vector | null = batch.getChild(name);
        return v ? [[name, v] as const] : [];
      });
      if (vectors.length > 0) visitor.visitBatch(Object.fromEntries(vectors), batch.numRows);
    }
    columns ??= arrowColumns(reader.schema.fields);
    return { rows, columns };
  } finally {
    await handle.close();
  }
}
