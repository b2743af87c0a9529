/**
 * What describes one of the pipeline's Lambda functions (lib/pipeline-functions.ts lists them):
 * the environment variables handlers read, the spec's shape, and the sizes it defaults to.
 */
import type { FunctionGrant } from './function-grant-sets.ts';

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
  /** JSON `{ "<feed>": [{ "name", "group" }] }`: the schedules to enable once the feed has a dataset. */
  feedSchedules: 'FEED_SCHEDULES',
  /** Publish-gate defaults (JSON) or `off`; gives access to the quarantine and metrics prefixes. */
  qualityGate: 'QUALITY_GATE',
  /** The function's own ephemeral storage (`/tmp`) in MB: the construct sets it from the same value. */
  ephemeralStorageMb: 'EPHEMERAL_STORAGE_MB',
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
  /** The AWS access the handler needs (independent of `env`). */
  readonly grants: readonly FunctionGrant[];
  /** Memory size in MB. */
  readonly memoryMb: number;
  /** Timeout in seconds. */
  readonly timeoutSeconds: number;
  /**
   * `/tmp` size in MB, when the function needs more than Lambda's 512 MB.
   * @default DEFAULT_EPHEMERAL_STORAGE_MB
   */
  readonly ephemeralStorageMb?: number;
  /**
   * V8's semi-space size, MiB, set through the exec wrapper shipped in the function's asset
   * (lib/lambda-runtime.ts): Lambda's runtime puts its own on node's command line, which
   * `NODE_OPTIONS` cannot override. @default - the runtime's (a twentieth of the memory size)
   */
  readonly maxSemiSpaceMb?: number;
  /**
   * V8's initial old-space size, MiB, set through the same exec wrapper (a V8 flag `NODE_OPTIONS`
   * does not take). @default - V8's (it sizes the old generation from the live heap)
   */
  readonly initialOldSpaceMb?: number;
}

/** Lambda's ephemeral storage (`/tmp`) when none is configured, MB. */
export const DEFAULT_EPHEMERAL_STORAGE_MB = 512;

/** LandArtifact's memory size: 2 × 1,769 MB, the size at which Lambda gives two full vCPUs. */
export const LANDING_MEMORY_MB = 3538;

/**
 * LandArtifact's V8 semi-space size, MiB. Lambda's runtime starts node with semi-spaces of a
 * twentieth of the memory size (176 MiB at 3,538 MB): V8 grows the young generation toward that
 * as a long landing keeps promoting short-lived objects (the quality report's cells, the
 * download's chunks), and the dead chunks' buffers wait for the rarer scavenges, so peak RSS grows
 * with the artifact. 16 MiB semi-spaces keep it flat (bench/quality.ts, bench/landing.ts start
 * their landings as Lambda does, through the exec wrapper that sets this).
 */
export const LANDING_SEMI_SPACE_MB = 16;

/**
 * LandArtifact's initial V8 old-space size, MiB. A landing's live heap is small (about 14 MiB: the
 * SDK, the handler, the streams) but it keeps promoting what is in flight (part uploads, stream
 * chunks), and V8 sizes the old generation's next collection from that small live heap: it ran a
 * full mark-compact every 2-3 MiB promoted, 14-16 per 100 MB landed, about a fifth of the landing's
 * CPU (bench/landing.ts). Starting the old space at this size lets garbage collect in scavenges
 * and a few mark-compacts (2 per 100 MB) for a few MiB more peak RSS.
 */
export const LANDING_INITIAL_OLD_SPACE_MB = 64;
