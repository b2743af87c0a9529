/**
 * The vocabulary of the functions' grants (lib/pipeline-functions.ts): what a grant can target,
 * the shape of one grant, and the grants several functions share with the reasons unused actions
 * are kept (docs/permissions.md lists them).
 */

/**
 * What a grant gives access to. The construct turns each into one policy statement on the
 * resource (and, for encrypted resources, one on the key, limited to the service using it and to
 * that resource's encryption context).
 */
export type GrantTarget =
  /** The vendor credential secret (`secretsmanager:*`; key use via Secrets Manager). */
  | 'credentialsSecret'
  /** The state table (`dynamodb:*`; key use via DynamoDB). */
  | 'stateTable'
  /** Direct `kms:Encrypt`/`kms:Decrypt` of the shared token cache entry (encryption context `purpose`). */
  | 'tokenCacheKey'
  /** Objects under `seeds/` of the seed bucket (key use via S3). */
  | 'seedObjects'
  /** The seed bucket itself (bucket-level actions). */
  | 'seedBucket'
  /** Objects under the data and manifest prefixes of the output bucket (key use via S3). */
  | 'outputObjects'
  /** Objects under the quarantine and quality prefixes of the output bucket (key use via S3). */
  | 'quarantineObjects'
  /** The output bucket itself (bucket-level actions). */
  | 'outputBucket'
  /** The customer key that wraps enterprise-mode artifacts (direct `kms:Decrypt`). */
  | 'artifactKey'
  /** The Glue catalog, the pipeline database and its tables. */
  | 'glueCatalog'
  /** The pipeline event bus (key use via EventBridge). */
  | 'eventBus'
  /** The ingest state machine (key use via Step Functions). */
  | 'ingestStateMachine'
  /** The schedules the pipeline enables once their feed has a dataset. */
  | 'feedSchedules'
  /** The role those schedules start generation runs with (passed to EventBridge Scheduler only). */
  | 'schedulerRole';

/** One statement of a function's role. */
export interface FunctionGrant {
  /** Statement id in the role policy (unique per function); the key statement gets `<sid>Key`. */
  readonly sid: string;
  readonly target: GrantTarget;
  /** Actions on the target. */
  readonly actions: readonly string[];
  /** KMS actions a service performs with the target's key for the caller (encrypted targets). */
  readonly keyActions?: readonly string[];
  /**
   * Why an action stays although the local runs behind docs/permissions.md never use it
   * (an error or rare path, or a use AWS makes that local runs cannot see). Every granted action
   * the runs do not use needs one; a test fails otherwise.
   */
  readonly keptBecause?: Readonly<Record<string, string>>;
}

export const mintPath =
  'Minting path: a container that finds no valid shared token mints one, stores it (PutItem, kms:Encrypt) and releases its mint lease (DeleteItem); test/integration/pipeline/token-expiry.test.ts covers it.';
export const unversionedSeeds =
  'Seeds announced without a version id (an existing, unversioned seed bucket passed to the construct) are read without VersionId.';
export const tokenReuse =
  'A container that finds a valid shared token decrypts it; only the first function of a run (the one that mints) never does.';
export const sharedPacing =
  'Shared vendor pacing (vendorRequestsPerSecond set): each vendor request takes its slot with one conditional UpdateItem on the pacing item; the demo runs without pacing, test/integration/client/pacing-moto.test.ts covers it.';
export const dynamoKeyUse =
  'Documented for callers of a table encrypted with a customer managed key (DynamoDB uses it for the caller when it refreshes the table key); local runs only see the Decrypt every request needs.';

/** What every vendor-calling function needs: the credential and the shared, encrypted token. */
export const vendorGrants: readonly FunctionGrant[] = [
  {
    sid: 'ReadCredentials',
    target: 'credentialsSecret',
    actions: ['secretsmanager:GetSecretValue'],
    keyActions: ['kms:Decrypt'],
  },
  {
    sid: 'TokenCache',
    target: 'stateTable',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
    keyActions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    keptBecause: {
      'dynamodb:PutItem': mintPath,
      'dynamodb:DeleteItem': mintPath,
      'dynamodb:UpdateItem': sharedPacing,
      'kms:Encrypt': dynamoKeyUse,
      'kms:GenerateDataKey': dynamoKeyUse,
      'kms:DescribeKey': dynamoKeyUse,
    },
  },
  {
    sid: 'TokenCacheEncryption',
    target: 'tokenCacheKey',
    actions: ['kms:Encrypt', 'kms:Decrypt'],
    keptBecause: { 'kms:Encrypt': mintPath, 'kms:Decrypt': tokenReuse },
  },
];

/** Read access to seed objects (`seeds/`). */
export const readSeeds: FunctionGrant = {
  sid: 'ReadSeeds',
  target: 'seedObjects',
  actions: ['s3:GetObject', 's3:GetObjectVersion'],
  keyActions: ['kms:Decrypt'],
  keptBecause: { 's3:GetObject': unversionedSeeds },
};

/** Run and feed records in the state table, beyond the token cache. */
export function stateRecords(
  actions: readonly string[],
  keptBecause?: Record<string, string>,
): FunctionGrant {
  return {
    sid: 'RunState',
    target: 'stateTable',
    actions,
    keyActions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    keptBecause: {
      'kms:Encrypt': dynamoKeyUse,
      'kms:GenerateDataKey': dynamoKeyUse,
      'kms:DescribeKey': dynamoKeyUse,
      ...keptBecause,
    },
  };
}

export const retrain =
  "Only when the feed's vendor dataset expired: the generation re-trains from the latest seed (test/integration/pipeline/retention.test.ts).";
/** `s3:ListBucket` on the seed bucket: a read of a missing seed key is then a 404, not a 403. */
export const seedListing = (): FunctionGrant => ({
  sid: 'SeedListing',
  target: 'seedBucket',
  actions: ['s3:ListBucket'],
  keptBecause: { 's3:ListBucket': missingKeys },
});

export const missingKeys =
  'S3 answers a read of a missing key with 404 only to callers that may list the bucket (403 otherwise); the handler treats a missing object as "not there yet".';

/** `events:PutEvents` on the pipeline bus (EventBridge encrypts with the bus key). */
export function publishEvents(sid: string): FunctionGrant {
  return { sid, target: 'eventBus', actions: ['events:PutEvents'], keyActions: ['kms:GenerateDataKey'] };
}
