/**
 * Mirrors the synthesized CloudFormation template on the local AWS emulator: the stateful
 * resources the handlers touch (buckets, keys, tables, the Glue database, the event bus, the
 * credentials secret) are created with the template's own settings, and every Lambda's
 * environment is resolved against them. Nothing here is re-listed by hand: add a bucket to the
 * construct and the local run gets it too.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateDatabaseCommand,
  CreateTableCommand as CreateGlueTableCommand,
  GlueClient,
  type TableInput,
} from '@aws-sdk/client-glue';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateScheduleCommand,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { templateFunctionLimits, type FunctionLimits } from './lambda-limits.ts';
import type { MotoClientConfig } from './moto.ts';
import {
  LOCAL_ACCOUNT as localAccount,
  functionIdOf,
  localName,
  resolveValue,
  type CfnTemplate,
  type LocalResource,
} from './template-model.ts';

export {
  LOCAL_ACCOUNT,
  TemplateResolutionError,
  functionIdOf,
  localName,
  resolveValue,
  type CfnResource,
  type CfnTemplate,
  type LocalResource,
} from './template-model.ts';

/** AWS SDK clients pointed at the local emulator. */
export interface LocalAwsClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly dynamodb: DynamoDBClient;
  readonly glue: GlueClient;
  readonly eventBridge: EventBridgeClient;
  readonly secretsManager: SecretsManagerClient;
  readonly scheduler: SchedulerClient;
}

/** One client per service the stack's resources live in, all pointed at `config`. */
export function localAwsClients(config: MotoClientConfig): LocalAwsClients {
  return {
    s3: new S3Client(config),
    kms: new KMSClient(config),
    dynamodb: new DynamoDBClient(config),
    glue: new GlueClient(config),
    eventBridge: new EventBridgeClient(config),
    secretsManager: new SecretsManagerClient(config),
    scheduler: new SchedulerClient(config),
  };
}

export interface LocalStack {
  /** Local resources by logical id. */
  readonly resources: ReadonlyMap<string, LocalResource>;
  /** Resolved environment of every Lambda function, by the construct id of the function. */
  readonly functionEnvironments: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Timeout, memory and ephemeral storage of every Lambda function, by construct id. */
  readonly functionLimits: Readonly<Record<string, FunctionLimits>>;
  /** Local resources of one CloudFormation type, in template order. */
  ofType(type: string): LocalResource[];
}

/** CloudFormation's spelling of a bucket's default encryption (the S3 API's differs). */
interface CfnBucketEncryption {
  readonly ServerSideEncryptionConfiguration?: ReadonlyArray<{
    readonly ServerSideEncryptionByDefault?: {
      readonly SSEAlgorithm: string;
      readonly KMSMasterKeyID?: string;
    };
    readonly BucketKeyEnabled?: boolean;
  }>;
}

type Creator = (
  logicalId: string,
  props: Readonly<Record<string, unknown>>,
  context: { clients: LocalAwsClients; region: string; resolve: (value: unknown) => unknown },
) => Promise<LocalResource>;

const creators: Readonly<Record<string, Creator>> = {
  'AWS::KMS::Key': async (_id, props, { clients, region }) => {
    const key = await clients.kms.send(
      new CreateKeyCommand({
        Description: typeof props['Description'] === 'string' ? props['Description'] : 'local key',
      }),
    );
    const keyId = key.KeyMetadata?.KeyId ?? '';
    const arn = key.KeyMetadata?.Arn ?? `arn:aws:kms:${region}:${localAccount}:key/${keyId}`;
    return { type: 'AWS::KMS::Key', ref: keyId, attributes: { Arn: arn, KeyId: keyId } };
  },
  'AWS::S3::Bucket': async (id, props, { clients, resolve }) => {
    const name = localName(id);
    await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    const versioning = props['VersioningConfiguration'] as { Status?: string } | undefined;
    if (versioning?.Status === 'Enabled') {
      await clients.s3.send(
        new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    const encryption = resolve(props['BucketEncryption']) as CfnBucketEncryption | undefined;
    if (encryption?.ServerSideEncryptionConfiguration) {
      await clients.s3.send(
        new PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: {
            Rules: encryption.ServerSideEncryptionConfiguration.map((rule) => ({
              ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault && {
                SSEAlgorithm: rule.ServerSideEncryptionByDefault.SSEAlgorithm as ServerSideEncryption,
                KMSMasterKeyID: rule.ServerSideEncryptionByDefault.KMSMasterKeyID,
              },
              BucketKeyEnabled: rule.BucketKeyEnabled,
            })),
          },
        }),
      );
    }
    const publicAccess = props['PublicAccessBlockConfiguration'];
    if (publicAccess) {
      await clients.s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: name,
          PublicAccessBlockConfiguration: publicAccess,
        }),
      );
    }
    return {
      type: 'AWS::S3::Bucket',
      ref: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.amazonaws.com`,
      },
    };
  },
  'AWS::DynamoDB::Table': async (id, props, { clients, region }) => {
    const name = localName(id);
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: props['KeySchema'] as KeySchemaElement[],
        AttributeDefinitions: props['AttributeDefinitions'] as AttributeDefinition[],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const ttl = props['TimeToLiveSpecification'] as { AttributeName?: string; Enabled?: boolean } | undefined;
    if (ttl?.Enabled && ttl.AttributeName) {
      await clients.dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      );
    }
    const arn = `arn:aws:dynamodb:${region}:${localAccount}:table/${name}`;
    return {
      type: 'AWS::DynamoDB::Table',
      ref: name,
      attributes: { Arn: arn, StreamArn: `${arn}/stream/local` },
    };
  },
  'AWS::Glue::Database': async (_id, props, { clients, resolve }) => {
    const input = resolve(props['DatabaseInput']) as { Name: string; Description?: string };
    await clients.glue.send(
      new CreateDatabaseCommand({ DatabaseInput: { Name: input.Name, Description: input.Description } }),
    );
    return { type: 'AWS::Glue::Database', ref: input.Name, attributes: {} };
  },
  'AWS::Glue::Table': async (_id, props, { clients, resolve }) => {
    const database = resolve(props['DatabaseName']) as string;
    const input = resolve(props['TableInput']) as TableInput;
    await clients.glue.send(new CreateGlueTableCommand({ DatabaseName: database, TableInput: input }));
    return { type: 'AWS::Glue::Table', ref: `${database}|${input.Name ?? ''}`, attributes: {} };
  },
  'AWS::Events::EventBus': async (id, props, { clients }) => {
    const name = typeof props['Name'] === 'string' ? props['Name'] : localName(id);
    const bus = await clients.eventBridge.send(new CreateEventBusCommand({ Name: name }));
    return {
      type: 'AWS::Events::EventBus',
      ref: name,
      attributes: { Arn: bus.EventBusArn ?? '', Name: name },
    };
  },
  // Created as the template says (state DISABLED included), so a local run sees what the
  // pipeline changes on them.
  'AWS::Scheduler::Schedule': async (id, props, { clients, resolve }) => {
    const input = resolve(props) as Omit<CreateScheduleCommandInput, 'Name'> & { Name?: string };
    const name = input.Name ?? localName(id);
    const created = await clients.scheduler.send(new CreateScheduleCommand({ ...input, Name: name }));
    return { type: 'AWS::Scheduler::Schedule', ref: name, attributes: { Arn: created.ScheduleArn ?? '' } };
  },
  'AWS::SecretsManager::Secret': async (id, _props, { clients }) => {
    const secret = await clients.secretsManager.send(
      new CreateSecretCommand({ Name: localName(id), Description: 'Local vendor credential' }),
    );
    const arn = secret.ARN ?? '';
    return { type: 'AWS::SecretsManager::Secret', ref: arn, attributes: { Id: arn } };
  },
};

/** Resources that exist only as names locally (executed in-process or not needed by handlers). */
function nameOnlyResource(id: string, type: string, region: string): LocalResource | null {
  const name = localName(id);
  switch (type) {
    case 'AWS::StepFunctions::StateMachine': {
      const arn = `arn:aws:states:${region}:${localAccount}:stateMachine:${name}`;
      return { type, ref: arn, attributes: { Arn: arn, Name: name } };
    }
    case 'AWS::Lambda::Function': {
      const arn = `arn:aws:lambda:${region}:${localAccount}:function:${name}`;
      return { type, ref: name, attributes: { Arn: arn } };
    }
    case 'AWS::SQS::Queue': {
      const arn = `arn:aws:sqs:${region}:${localAccount}:${name}`;
      return {
        type,
        ref: `http://localhost/${localAccount}/${name}`,
        attributes: { Arn: arn, QueueName: name },
      };
    }
    case 'AWS::SNS::Topic': {
      const arn = `arn:aws:sns:${region}:${localAccount}:${name}`;
      return { type, ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::Athena::WorkGroup':
    case 'AWS::Logs::LogGroup':
    case 'AWS::IAM::Role':
      return {
        type,
        ref: name,
        attributes: { Arn: `arn:aws:iam::${localAccount}:role/${name}` },
      };
    default:
      return null;
  }
}

/** Creation order: keys before the buckets and tables that reference them. */
const creationOrder = [
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Events::EventBus',
  'AWS::SecretsManager::Secret',
  'AWS::Scheduler::Schedule',
];

/**
 * Creates the template's stateful resources on the local emulator and resolves every Lambda
 * function's environment. Values the emulator cannot hold (state machines, functions) resolve
 * to deterministic local ARNs.
 */
export async function provisionTemplate(
  template: CfnTemplate,
  clients: LocalAwsClients,
  region: string,
): Promise<LocalStack> {
  const resources = new Map<string, LocalResource>();
  const entries = Object.entries(template.Resources);
  for (const [id, resource] of entries) {
    const local = nameOnlyResource(id, resource.Type, region);
    if (local) resources.set(id, local);
  }
  const resolve = (value: unknown): unknown => resolveValue(value, resources, region);
  for (const type of creationOrder) {
    const creator = creators[type];
    if (!creator) continue;
    for (const [id, resource] of entries) {
      if (resource.Type !== type) continue;
      resources.set(id, await creator(id, resource.Properties ?? {}, { clients, region, resolve }));
    }
  }
  const functionEnvironments: Record<string, Record<string, string>> = {};
  for (const [, resource] of entries) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const functionId = functionIdOf(resource);
    const variables = (
      resource.Properties?.['Environment'] as { Variables?: Record<string, unknown> } | undefined
    )?.Variables;
    if (!functionId || !variables) continue;
    functionEnvironments[functionId] = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, String(resolve(value))]),
    );
  }
  return {
    resources,
    functionEnvironments,
    functionLimits: templateFunctionLimits(template),
    ofType: (type) => [...resources.values()].filter((resource) => resource.type === type),
  };
}
