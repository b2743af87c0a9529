import { describe, expect, it } from 'vitest';
import {
  decode,
  generation,
  generationList,
  isNullish,
  job,
  unwrapSingleton,
} from '../../../src/client/decode.ts';
import * as decoders from '../../../src/client/decode.ts';
import { SimulacraResponseValidationError } from '../../../src/client/index.ts';

const GENERATION = {
  generation_id: 'gen_abc',
  dataset_id: 'ds_abc',
  status: 'ready',
  request_id: 'req_1',
  output_format: 'parquet',
  rows_requested: 10,
  rows_generated: 10,
  created_at: '2026-05-01T17:31:00Z',
  expires_at: '2026-05-02T17:31:00Z',
};

describe('tolerant decoding', () => {
  it('reads {} / [] / "" / missing as null where the contract means null', () => {
    const decoded = decode('getJob', job, {
      job_id: 'job_abcd1234',
      job_type: 'dataset_create',
      status: 'running',
      request_id: 'req_1',
      created_at: '2026-05-01T17:30:00Z',
      started_at: '',
      completed_at: {},
      dataset_id: [],
      generation_id: {},
      error: {},
    });
    expect(decoded).toMatchObject({
      stage: null,
      started_at: null,
      completed_at: null,
      dataset_id: null,
      generation_id: null,
      error: null,
    });
  });

  it('unwraps one-element arrays around ids and URLs but never indexes a string', () => {
    const decoded = decode('getGeneration', generation, {
      ...GENERATION,
      generation_id: ['gen_abc'],
      dataset_id: 'ds_abc',
      artifact_url: ['/v1/generations/gen_abc/download?expires=1&sig=aa'],
      artifact_encryption: { scheme: 'managed', wrapped_dek: {}, iv: {}, encryption_context: {} },
    });
    expect(decoded.generation_id).toBe('gen_abc');
    expect(decoded.dataset_id).toBe('ds_abc');
    expect(decoded.artifact_url).toBe('/v1/generations/gen_abc/download?expires=1&sig=aa');
    expect(decoded.artifact_encryption).toEqual({
      scheme: 'managed',
      wrapped_dek: null,
      iv: null,
      encryption_context: null,
    });
    expect(unwrapSingleton('x')).toBe('x');
    expect(unwrapSingleton(['x'])).toBe('x');
    expect(unwrapSingleton(['x', 'y'])).toEqual(['x', 'y']);
  });

  it('keeps a scalar id whole (the "x"[0] bug would send a one-character id)', () => {
    const decoded = decode('getJob', job, {
      job_id: 'job_abcd1234',
      job_type: 'generation_create',
      status: 'completed',
      request_id: 'req_1',
      created_at: '2026-05-01T17:30:00Z',
      generation_id: 'gen_2YH3Kxq8wABC123def456',
      error: { code: 'x', message: {} },
    });
    expect(decoded.generation_id).toBe('gen_2YH3Kxq8wABC123def456');
    expect(decoded.error).toEqual({ code: 'x', message: null });
  });

  it('accepts unknown fields and unknown enum values', () => {
    const decoded = decode('getGeneration', generation, {
      ...GENERATION,
      status: 'archived',
      brand_new_field: 1,
    });
    expect(decoded.status).toBe('archived');
    expect(decoded).not.toHaveProperty('brand_new_field');
    expect(decoded.artifact_url).toBeNull();
  });

  it('names the offending field path in validation errors', () => {
    const bad = {
      generations: [GENERATION, { ...GENERATION, rows_generated: 'many' }],
      limit: 25,
      request_id: 'r',
    };
    let err: unknown;
    try {
      decode('listDatasetGenerations', generationList, bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimulacraResponseValidationError);
    expect((err as SimulacraResponseValidationError).field).toBe('generations[1].rows_generated');
    expect((err as Error).message).toContain(
      'listDatasetGenerations returned an invalid response: generations[1].rows_generated',
    );
  });

  it('rejects a two-element id array and a missing required id', () => {
    expect(() => decode('getGeneration', generation, { ...GENERATION, generation_id: ['a', 'b'] })).toThrow(
      /generation_id/,
    );
    const { dataset_id: _, ...missing } = GENERATION;
    expect(() => decode('getGeneration', generation, missing)).toThrow(/dataset_id/);
  });

  it('decodes schema columns with nullable ranges', () => {
    const decoded = decode('getDatasetSchema', decoders.datasetSchema, {
      dataset_id: 'ds_abc',
      request_id: 'r',
      schema: [
        { name: 'age', type: 'integer', min: 18, max: {}, conditioning_excluded: false },
        { name: 'segment', type: 'factor', levels: ['A', 'B'] },
      ],
    });
    expect(decoded.schema[0]).toEqual({
      name: 'age',
      type: 'integer',
      levels: null,
      min: 18,
      max: null,
      conditioning_excluded: false,
    });
    expect(decoded.schema[1]!.levels).toEqual(['A', 'B']);
  });

  it('isNullish covers the vendor spellings of null only', () => {
    for (const value of [undefined, null, '', {}, []]) expect(isNullish(value)).toBe(true);
    for (const value of [0, false, 'x', [1], { a: 1 }]) expect(isNullish(value)).toBe(false);
  });
});
