import { context } from '../../support/lambda-env.ts';
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/register-catalog.ts';
import { landingManifest } from '../catalog/fixtures.ts';

Object.assign(process.env, { OUTPUT_BUCKET_NAME: 'lake', GLUE_DATABASE_NAME: 'synthetic_db' });

const glueMock = mockClient(GlueClient);
const s3Mock = mockClient(S3Client);
const manifestKey = '_manifests/feed=retail-panel/scenario=baseline/dt=2026-05-01/gen_1.json';

beforeEach(() => {
  glueMock.reset();
  s3Mock.reset();
});

describe('register-catalog handler', () => {
  it('registers from the manifest key the state machine passes', async () => {
    s3Mock.on(GetObjectCommand).resolves({
      Body: { transformToString: () => Promise.resolve(JSON.stringify(landingManifest())) } as never,
    });
    glueMock.on(GetTableCommand).rejects(Object.assign(new Error('x'), { name: 'EntityNotFoundException' }));
    glueMock.on(CreateTableCommand).resolves({});
    glueMock.on(BatchCreatePartitionCommand).resolves({});
    const out = await handler(
      {
        feed: 'retail-panel',
        scenario: 'baseline',
        manifestKey,
        format: 'parquet',
        dt: '2026-05-01',
        generationId: 'gen_1',
      },
      context,
    );
    expect(out).toMatchObject({ database: 'synthetic_db', table: 'retail_panel', tableCreated: true });
  });

  it('rejects a key that is not a landing manifest', async () => {
    const err = (await handler({ manifestKey: 'synthetic/x.parquet' }, context).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('InputValidationError');
    expect(err.message).toContain('manifestKey');
  });

  it('maps a missing manifest to InputValidationError (code manifest_invalid)', async () => {
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('x'), { name: 'NoSuchKey' }));
    const err = (await handler({ manifestKey, generationId: 'gen_1' }, context).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('InputValidationError');
    expect(JSON.parse(err.message)).toMatchObject({ code: 'manifest_invalid', generation_id: 'gen_1' });
  });
});
