/**
 * The single list of the pipeline's Lambda functions: which handler file each runs, the ASL
 * placeholder that receives its ARN, and the environment it reads. The CDK construct builds
 * functions from it, and a test checks it against `lambdas/` and `statemachines/*.asl.json`.
 */

/** Environment variables the handlers read (validated once at cold start). */
export const PipelineEnv = {
  /** Secrets Manager secret holding the vendor credential JSON. */
  credentialsSecretArn: 'SIMULACRA_SECRET_ARN',
  /** DynamoDB table for feeds, runs and the shared token cache. */
  stateTableName: 'STATE_TABLE_NAME',
  /** KMS key that encrypts the shared bearer-token cache entry. */
  tokenCacheKeyArn: 'TOKEN_CACHE_KEY_ARN',
  seedBucketName: 'SEED_BUCKET_NAME',
  outputBucketName: 'OUTPUT_BUCKET_NAME',
  /** Customer-managed key for SSE-KMS on landed objects. */
  outputKmsKeyArn: 'OUTPUT_KMS_KEY_ARN',
  /** Customer KMS key that wraps enterprise-mode data keys (empty in managed mode). */
  artifactKmsKeyArn: 'ARTIFACT_KMS_KEY_ARN',
  glueDatabaseName: 'GLUE_DATABASE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  ingestStateMachineArn: 'INGEST_STATE_MACHINE_ARN',
  /** Publish-gate defaults (JSON) or `off`; gives access to the quarantine and metrics prefixes. */
  qualityGate: 'QUALITY_GATE',
} as const;

export type PipelineEnvName = (typeof PipelineEnv)[keyof typeof PipelineEnv];

export interface PipelineFunctionSpec {
  /** Stable construct id. */
  readonly id: string;
  /** Handler file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** Placeholder in the ASL files that receives the function ARN, or null for non-task functions. */
  readonly aslPlaceholder: string | null;
  /** Environment variables the handler needs. */
  readonly env: readonly PipelineEnvName[];
  /** Memory size in MB. */
  readonly memoryMb: number;
  /** Timeout in seconds. */
  readonly timeoutSeconds: number;
  /**
   * `/tmp` size in MB, when the function needs more than Lambda's 512 MB.
   * @default 512
   */
  readonly ephemeralStorageMb?: number;
}

/** LandArtifact's memory size: 2 × 1,769 MB, the size at which Lambda gives two full vCPUs. */
export const LANDING_MEMORY_MB = 3538;

const vendorEnv = [
  PipelineEnv.credentialsSecretArn,
  PipelineEnv.stateTableName,
  PipelineEnv.tokenCacheKeyArn,
];

export const pipelineFunctions: readonly PipelineFunctionSpec[] = [
  {
    id: 'StartIngest',
    entry: 'lambdas/start-ingest.ts',
    aslPlaceholder: null,
    env: [
      PipelineEnv.ingestStateMachineArn,
      PipelineEnv.stateTableName,
      PipelineEnv.seedBucketName,
      PipelineEnv.eventBusName,
    ],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    id: 'UploadSeed',
    entry: 'lambdas/upload-seed.ts',
    aslPlaceholder: 'UploadSeedFunctionArn',
    env: [...vendorEnv, PipelineEnv.seedBucketName],
    memoryMb: 512,
    timeoutSeconds: 900,
  },
  {
    id: 'PollJob',
    entry: 'lambdas/poll-job.ts',
    aslPlaceholder: 'PollJobFunctionArn',
    env: vendorEnv,
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    id: 'ResolveScenarios',
    entry: 'lambdas/resolve-scenarios.ts',
    aslPlaceholder: 'ResolveScenariosFunctionArn',
    env: [...vendorEnv, PipelineEnv.seedBucketName],
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    id: 'CreateGeneration',
    entry: 'lambdas/create-generation.ts',
    aslPlaceholder: 'CreateGenerationFunctionArn',
    env: vendorEnv,
    memoryMb: 256,
    timeoutSeconds: 120,
  },
  {
    id: 'LandArtifact',
    entry: 'lambdas/land-artifact.ts',
    aslPlaceholder: 'LandArtifactFunctionArn',
    env: [
      ...vendorEnv,
      PipelineEnv.seedBucketName,
      PipelineEnv.outputBucketName,
      PipelineEnv.outputKmsKeyArn,
      PipelineEnv.artifactKmsKeyArn,
      PipelineEnv.qualityGate,
    ],
    // Two vCPUs (Lambda gives one per 1,769 MB): the stream scan (SHA-256, CSV row count,
    // schema, conformance) runs in a worker thread on the second while the first downloads,
    // decrypts and uploads. Memory itself is not needed: peak RSS stays under 256 MiB at 1 GB.
    memoryMb: LANDING_MEMORY_MB,
    timeoutSeconds: 900,
    // The landed plaintext is spooled to /tmp to count rows and read the schema with bounded
    // memory: the maximum (10 GB) covers the vendor's largest artifacts.
    ephemeralStorageMb: 10240,
  },
  {
    id: 'RegisterCatalog',
    entry: 'lambdas/register-catalog.ts',
    aslPlaceholder: 'RegisterCatalogFunctionArn',
    env: [PipelineEnv.outputBucketName, PipelineEnv.glueDatabaseName, PipelineEnv.stateTableName],
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    id: 'RecordRun',
    entry: 'lambdas/record-run.ts',
    aslPlaceholder: 'RecordRunFunctionArn',
    env: [PipelineEnv.stateTableName, PipelineEnv.eventBusName],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    id: 'PrepareFeed',
    entry: 'lambdas/prepare-feed.ts',
    aslPlaceholder: 'PrepareFeedFunctionArn',
    env: [...vendorEnv, PipelineEnv.seedBucketName],
    memoryMb: 512,
    timeoutSeconds: 900,
  },
];

/** ASL placeholders that are not function ARNs. */
export const aslValuePlaceholders = ['MapMaxConcurrency'] as const;
