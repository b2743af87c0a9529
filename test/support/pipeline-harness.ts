/**
 * One test file's local world for the pipeline: moto as AWS (buckets, table, keys, secret, bus,
 * Glue database), the Simulacra simulator, and a LocalPipelineRunner running the real handlers.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateDatabaseCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/index.ts';
import { awsClientConfig, startMoto, type RunningMoto } from '../../src/local/moto.ts';
import { LocalPipelineRunner, type LocalRunnerOptions, type SeedDrop } from '../../src/local/runner.ts';
import { readManifest, type LandingManifest } from '../../src/landing/manifest.ts';
import { StateRepository } from '../../src/state/repository.ts';

export interface PipelineHarness {
  readonly moto: RunningMoto;
  readonly simulator: RunningSimulator;
  readonly runner: LocalPipelineRunner;
  readonly s3: S3Client;
  readonly repo: StateRepository;
  readonly names: {
    seedBucket: string;
    outputBucket: string;
    table: string;
    bus: string;
    glueDatabase: string;
  };
  readonly env: Readonly<Record<string, string>>;
  /** Uploads a seed file and returns the drop S3 would announce. */
  putSeed(feed: string, fileName: string, body: string | Uint8Array): Promise<SeedDrop>;
  putScenarios(feed: string, scenarios: unknown): Promise<void>;
  /** The landing manifest at `key` in the output bucket. */
  readManifest(key: string): Promise<LandingManifest>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly simulator?: Omit<SimulatorOptions, 'enterprise' | 'mode'>;
  readonly mode?: 'managed' | 'enterprise';
  readonly runner?: Omit<LocalRunnerOptions, 'env'>;
}

/** A small seed with a categorical and a numeric column (enough rows to train). */
export function exampleSeedCsv(rows = 120): string {
  const segments = ['Premium', 'Mainstream', 'Value'];
  const regions = ['North', 'South', 'East', 'West'];
  const lines = ['segment,region,age,spend'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `${segments[i % 3]},${regions[(i * 7) % 4]},${18 + ((i * 13) % 60)},${(20 + ((i * 37) % 400)).toFixed(2)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function startPipelineHarness(options: HarnessOptions = {}): Promise<PipelineHarness> {
  const savedEnv = { ...process.env };
  const moto = await startMoto();
  const aws = awsClientConfig(moto);
  const kms = new KMSClient(aws);
  const s3 = new S3Client(aws);
  const ddb = new DynamoDBClient(aws);
  const names = {
    seedBucket: 'it-seeds',
    outputBucket: 'it-output',
    table: 'it-state',
    bus: 'it-bus',
    glueDatabase: 'it_lake',
  };
  const key = async (): Promise<string> => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  const [tokenKey, outputKey, artifactKey] = await Promise.all([key(), key(), key()]);
  for (const bucket of [names.seedBucket, names.outputBucket]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
  await ddb.send(
    new CreateTableCommand({
      TableName: names.table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await new EventBridgeClient(aws).send(new CreateEventBusCommand({ Name: names.bus }));
  await new GlueClient(aws).send(new CreateDatabaseCommand({ DatabaseInput: { Name: names.glueDatabase } }));

  const mode = options.mode ?? 'managed';
  const simulator = await startSimulator({
    timings: { trainingMs: 30, generationMs: 30, pollAfterSeconds: 1 },
    ...options.simulator,
    mode,
    ...(mode === 'enterprise' ? { enterprise: { kms: aws, keyId: artifactKey } } : {}),
  });
  const secretArn = (
    await new SecretsManagerClient(aws).send(
      new CreateSecretCommand({
        Name: 'it-simulacra',
        SecretString: JSON.stringify({
          client_id: simulator.demoTenant.clientId,
          client_secret: simulator.demoTenant.clientSecret,
          token_url: simulator.tokenUrl,
          audience: simulator.audience,
          api_base: simulator.apiBase,
        }),
      }),
    )
  ).ARN!;

  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: moto.region,
    AWS_DEFAULT_REGION: moto.region,
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    SIMULACRA_SECRET_ARN: secretArn,
    STATE_TABLE_NAME: names.table,
    TOKEN_CACHE_KEY_ARN: tokenKey,
    SEED_BUCKET_NAME: names.seedBucket,
    OUTPUT_BUCKET_NAME: names.outputBucket,
    OUTPUT_KMS_KEY_ARN: outputKey,
    ARTIFACT_KMS_KEY_ARN: mode === 'enterprise' ? artifactKey : '',
    ARTIFACT_TENANT_ID: mode === 'enterprise' ? simulator.demoTenant.tenantId : '',
    GLUE_DATABASE_NAME: names.glueDatabase,
    EVENT_BUS_NAME: names.bus,
    INGEST_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:simulacra-ingest',
  };
  Object.assign(process.env, env);
  const runner = new LocalPipelineRunner({ ...options.runner, env });
  const repo = new StateRepository({
    tableName: names.table,
    dynamo: DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } }),
  });

  return {
    moto,
    simulator,
    runner,
    s3,
    repo,
    names,
    env,
    async putSeed(feed, fileName, body) {
      const key = `seeds/${feed}/${fileName}`;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const out = await s3.send(new PutObjectCommand({ Bucket: names.seedBucket, Key: key, Body: bytes }));
      return {
        bucket: names.seedBucket,
        key,
        size: bytes.byteLength,
        etag: out.ETag ?? null,
        versionId: out.VersionId ?? null,
      };
    },
    async putScenarios(feed, scenarios) {
      await s3.send(
        new PutObjectCommand({
          Bucket: names.seedBucket,
          Key: `seeds/${feed}/scenarios.json`,
          Body: JSON.stringify(scenarios),
        }),
      );
    },
    async readManifest(key) {
      const manifest = await readManifest(s3, names.outputBucket, key);
      if (!manifest) throw new Error(`no manifest at s3://${names.outputBucket}/${key}`);
      return manifest;
    },
    async stop() {
      await simulator.close();
      await moto.stop();
      for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
      Object.assign(process.env, savedEnv);
    },
  };
}
