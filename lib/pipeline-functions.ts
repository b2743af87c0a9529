/**
 * The single list of the pipeline's Lambda functions: which handler file each runs, the ASL
 * placeholder that receives its ARN, the environment it reads and, separately, the AWS access
 * it is granted. The CDK construct builds functions from it; tests check it against `lambdas/`,
 * `statemachines/*.asl.json`, the variables each handler reads, and the calls each function
 * makes in local runs (docs/permissions.md).
 */

import {
  missingKeys,
  publishEvents,
  readSeeds,
  retrain,
  seedListing,
  stateRecords,
  unversionedSeeds,
  vendorGrants,
} from './function-grant-sets.ts';
import {
  LANDING_INITIAL_OLD_SPACE_MB,
  LANDING_MEMORY_MB,
  LANDING_SEMI_SPACE_MB,
  PipelineEnv,
  type PipelineFunctionSpec,
} from './pipeline-function-spec.ts';

export {
  DEFAULT_EPHEMERAL_STORAGE_MB,
  LANDING_INITIAL_OLD_SPACE_MB,
  LANDING_MEMORY_MB,
  LANDING_SEMI_SPACE_MB,
  PipelineEnv,
  type PipelineEnvName,
  type PipelineFunctionSpec,
} from './pipeline-function-spec.ts';
export type { FunctionGrant, GrantTarget } from './function-grant-sets.ts';

const failedUpload =
  'A landing that fails midway (a tampered or truncated artifact) aborts its upload, and stale uploads of its slot are aborted first; test/integration/pipeline/enterprise.test.ts covers it.';

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
    grants: [
      // HeadObject only: no key use.
      { ...readSeeds, keyActions: [] },
      {
        sid: 'TagRejectedSeeds',
        target: 'seedObjects',
        actions: [
          's3:GetObjectTagging',
          's3:GetObjectVersionTagging',
          's3:PutObjectTagging',
          's3:PutObjectVersionTagging',
        ],
        keptBecause: { 's3:GetObjectTagging': unversionedSeeds, 's3:PutObjectTagging': unversionedSeeds },
      },
      {
        sid: 'SeedListing',
        target: 'seedBucket',
        actions: ['s3:ListBucket'],
        keptBecause: { 's3:ListBucket': missingKeys },
      },
      stateRecords(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
      // Seed Accepted / Seed Rejected.
      publishEvents('PublishSeedEvents'),
      {
        sid: 'StartIngestion',
        target: 'ingestStateMachine',
        actions: ['states:StartExecution'],
        keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        keptBecause: {
          'kms:Decrypt':
            'Step Functions documents kms:Decrypt with kms:GenerateDataKey for StartExecution on a state machine encrypted with a customer managed key; local executions run in-process.',
        },
      },
    ],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    id: 'UploadSeed',
    entry: 'lambdas/upload-seed.ts',
    aslPlaceholder: 'UploadSeedFunctionArn',
    env: vendorEnv,
    // GetItem: the feed's past trainings (for its first, other feeds': the deployment prior) place
    // the first poll (src/state/job-history.ts).
    grants: [
      ...vendorGrants,
      readSeeds,
      seedListing(),
      stateRecords(['dynamodb:GetItem', 'dynamodb:UpdateItem']),
    ],
    memoryMb: 512,
    timeoutSeconds: 900,
  },
  {
    id: 'PollJob',
    entry: 'lambdas/poll-job.ts',
    aslPlaceholder: 'PollJobFunctionArn',
    env: vendorEnv,
    // UpdateItem: a finished job's duration goes into the feed's job history and the deployment prior.
    grants: [...vendorGrants, stateRecords(['dynamodb:UpdateItem'])],
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    id: 'ResolveScenarios',
    entry: 'lambdas/resolve-scenarios.ts',
    aslPlaceholder: 'ResolveScenariosFunctionArn',
    env: vendorEnv,
    grants: [
      ...vendorGrants,
      // The feed's scenarios.json (latest version).
      { sid: 'ReadScenarios', target: 'seedObjects', actions: ['s3:GetObject'], keyActions: ['kms:Decrypt'] },
      {
        sid: 'SeedListing',
        target: 'seedBucket',
        actions: ['s3:ListBucket'],
        keptBecause: { 's3:ListBucket': missingKeys },
      },
      stateRecords(['dynamodb:UpdateItem']),
    ],
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    id: 'CreateGeneration',
    entry: 'lambdas/create-generation.ts',
    aslPlaceholder: 'CreateGenerationFunctionArn',
    env: vendorEnv,
    // GetItem: the feed's past generations (for its first, the deployment prior) place the first poll.
    grants: [...vendorGrants, stateRecords(['dynamodb:GetItem'])],
    memoryMb: 256,
    timeoutSeconds: 120,
  },
  {
    id: 'LandArtifact',
    entry: 'lambdas/land-artifact.ts',
    aslPlaceholder: 'LandArtifactFunctionArn',
    env: [
      ...vendorEnv,
      PipelineEnv.outputBucketName,
      PipelineEnv.outputKmsKeyArn,
      PipelineEnv.artifactKmsKeyArn,
      PipelineEnv.qualityGate,
      PipelineEnv.ephemeralStorageMb,
    ],
    grants: [
      ...vendorGrants,
      {
        sid: 'WriteLanded',
        target: 'outputObjects',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        keptBecause: {
          's3:AbortMultipartUpload': failedUpload,
        },
      },
      {
        sid: 'OutputUploads',
        target: 'outputBucket',
        actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
        keptBecause: { 's3:ListBucket': missingKeys },
      },
      {
        sid: 'QualityGate',
        target: 'quarantineObjects',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
        keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        keptBecause: { 's3:AbortMultipartUpload': failedUpload },
      },
      // The seed version a generation was made from, read for the quality report.
      { ...readSeeds, sid: 'ReadSeedForQuality' },
      // Enterprise mode only (the construct skips it without an artifact key).
      { sid: 'UnwrapArtifactKey', target: 'artifactKey', actions: ['kms:Decrypt'] },
    ],
    // Two vCPUs (Lambda gives one per 1,769 MB): the stream scan (SHA-256, CSV row count,
    // schema, conformance) runs in a worker thread on the second while the first downloads,
    // decrypts and uploads. Memory itself is not needed: peak RSS stays under 256 MiB at 1 GB.
    memoryMb: LANDING_MEMORY_MB,
    maxSemiSpaceMb: LANDING_SEMI_SPACE_MB,
    initialOldSpaceMb: LANDING_INITIAL_OLD_SPACE_MB,
    timeoutSeconds: 900,
    // The landed plaintext is spooled to /tmp to count rows and read the schema with bounded
    // memory: the maximum (10 GB) covers the vendor's largest artifacts.
    ephemeralStorageMb: 10240,
  },
  {
    id: 'RegisterCatalog',
    entry: 'lambdas/register-catalog.ts',
    aslPlaceholder: 'RegisterCatalogFunctionArn',
    env: [PipelineEnv.outputBucketName, PipelineEnv.glueDatabaseName],
    grants: [
      {
        sid: 'ReadManifests',
        target: 'outputObjects',
        actions: ['s3:GetObject'],
        keyActions: ['kms:Decrypt'],
      },
      {
        sid: 'OutputListing',
        target: 'outputBucket',
        actions: ['s3:ListBucket'],
        keptBecause: { 's3:ListBucket': missingKeys },
      },
      {
        sid: 'Catalog',
        target: 'glueCatalog',
        actions: [
          'glue:GetTable',
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:GetPartition',
          'glue:BatchCreatePartition',
          'glue:UpdatePartition',
        ],
        keptBecause: {
          'glue:UpdateTable':
            'A seed version with another schema updates the feed table (test/e2e/pipeline-scenarios.test.ts case 5).',
          'glue:GetPartition':
            'A retried registration of the same generation finds its partition already there and compares it (BatchCreatePartition answered AlreadyExists).',
          'glue:UpdatePartition':
            'A partition registered before (a re-landed generation) is updated in place instead of created.',
        },
      },
    ],
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    id: 'RecordRun',
    entry: 'lambdas/record-run.ts',
    aslPlaceholder: 'RecordRunFunctionArn',
    env: [PipelineEnv.stateTableName, PipelineEnv.eventBusName, PipelineEnv.feedSchedules],
    grants: [
      // Query: a run's outcome is assembled from its partition (the run and its scenario outcomes).
      stateRecords(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], {
        'dynamodb:GetItem':
          'Finishing a run that is already finished (a retried RecordRun) reads the record to replay its outcome (test/integration/pipeline/retention.test.ts).',
      }),
      publishEvents('PublishRunEvents'),
      // A feed's first dataset turns on its schedules (created disabled): UpdateSchedule needs the
      // whole definition (GetSchedule first) and passes the schedules' role to Scheduler.
      {
        sid: 'EnableFeedSchedules',
        target: 'feedSchedules',
        actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
      },
      { sid: 'PassSchedulerRole', target: 'schedulerRole', actions: ['iam:PassRole'] },
    ],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    id: 'PrepareFeed',
    entry: 'lambdas/prepare-feed.ts',
    aslPlaceholder: 'PrepareFeedFunctionArn',
    env: vendorEnv,
    grants: [
      ...vendorGrants,
      {
        ...readSeeds,
        sid: 'RetrainFromSeed',
        keptBecause: {
          's3:GetObject': `${retrain} It reads the feed's latest scenarios.json to check the seed against it.`,
          's3:GetObjectVersion': retrain,
          'kms:Decrypt': retrain,
        },
      },
      // A feed without scenarios.json re-trains with the default scenario (a 404, not a 403).
      seedListing(),
      stateRecords(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
    ],
    memoryMb: 512,
    timeoutSeconds: 900,
  },
];

/**
 * The vendor credential's rotation function, made only with `credentialsRotation` (lib/parts/
 * credentials.ts); Secrets Manager invokes it once per rotation step with the secret in the event,
 * so it reads no environment. Its role holds exactly these statements (Secrets Manager's automatic
 * rotation grants, which include `secretsmanager:GetRandomPassword` and unconditioned key use, are
 * not made).
 */
export const rotationFunction: PipelineFunctionSpec = {
  id: 'RotateCredentials',
  entry: 'lambdas/rotate-credentials.ts',
  aslPlaceholder: null,
  env: [],
  grants: [
    {
      sid: 'RotateSecret',
      target: 'credentialsSecret',
      // The four-step protocol: check the version's stages, read AWSCURRENT (and a pending version
      // on a retried step), store the claimed credential as AWSPENDING, promote it to AWSCURRENT.
      actions: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      // Secrets Manager decrypts for GetSecretValue and makes a data key for PutSecretValue.
      keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    },
  ],
  memoryMb: 256,
  timeoutSeconds: 300,
};

/** ASL placeholders that are not function ARNs. */
export const aslValuePlaceholders = ['MapMaxConcurrency'] as const;

/** Whether a function calls the vendor API (it reads the vendor credential). */
export function callsVendor(spec: PipelineFunctionSpec): boolean {
  return spec.grants.some((grant) => grant.target === 'credentialsSecret');
}
