/**
 * The IAM side of the synthesized template, resolved to the local stack's ARNs: each function's
 * role and identity policies, the resource policies of buckets, keys, secrets, queues and topics,
 * and which customer-managed key encrypts what (for the KMS use services make for the caller).
 */
import {
  functionIdOf,
  resolveValue,
  type CfnResource,
  type CfnTemplate,
  type LocalResource,
} from '../template-model.ts';
import type { LocalStack } from '../template-resources.ts';
import type { EncryptionLookup } from './aws-requests.ts';

/** An IAM policy document (as the template holds it, intrinsics resolved). */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface FunctionRole {
  readonly functionId: string;
  readonly roleArn: string;
  readonly policies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
}

export interface StackPolicies extends EncryptionLookup {
  readonly roles: ReadonlyMap<string, FunctionRole>;
  /** The resource policy AWS consults for `resourceArn`, if its service has one. */
  resourcePolicy(resourceArn: string): PolicyDocument | undefined;
}

/** The key policy KMS gives a key created without one: the account decides through IAM. */
function defaultKeyPolicy(accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** The local resources, with a stand-in for each template resource the emulator does not hold. */
function withStandIns(template: CfnTemplate, stack: LocalStack): Map<string, LocalResource> {
  const resources = new Map(stack.resources);
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resources.has(id)) continue;
    const arn = `arn:aws:cloudformation:::stand-in/${id}`;
    resources.set(id, { type: resource.Type, ref: arn, attributes: new Proxy({}, { get: () => arn }) });
  }
  return resources;
}

const props = (resource: CfnResource): Readonly<Record<string, unknown>> => resource.Properties ?? {};

/** Reads the template's IAM policies against the provisioned local stack. */
export function stackPolicies(
  template: CfnTemplate,
  stack: LocalStack,
  region: string,
  accountId: string,
): StackPolicies {
  const resources = withStandIns(template, stack);
  const resolve = <T>(value: unknown): T => resolveValue(value, resources, region) as T;
  const entries = Object.entries(template.Resources);

  const policiesByRole = new Map<string, { name: string; policy: PolicyDocument }[]>();
  const addPolicy = (roleId: string, name: string, document: unknown): void => {
    const list = policiesByRole.get(roleId) ?? [];
    list.push({ name, policy: resolve<PolicyDocument>(document) });
    policiesByRole.set(roleId, list);
  };
  for (const [id, resource] of entries) {
    if (resource.Type === 'AWS::IAM::Policy') {
      for (const role of (props(resource)['Roles'] ?? []) as { Ref?: string }[]) {
        if (role.Ref) addPolicy(role.Ref, id, props(resource)['PolicyDocument']);
      }
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (props(resource)['Policies'] ?? []) as {
        PolicyName: string;
        PolicyDocument: unknown;
      }[])
        addPolicy(id, inline.PolicyName, inline.PolicyDocument);
    }
  }

  const roles = new Map<string, FunctionRole>();
  for (const [, resource] of entries) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const functionId = functionIdOf(resource);
    const roleId = (props(resource)['Role'] as { 'Fn::GetAtt'?: [string, string] } | undefined)?.[
      'Fn::GetAtt'
    ]?.[0];
    if (!functionId || !roleId) continue;
    roles.set(functionId, {
      functionId,
      roleArn: `arn:aws:iam::${accountId}:role/${resources.get(roleId)?.ref ?? roleId}`,
      policies: policiesByRole.get(roleId) ?? [],
    });
  }

  const keyIds = new Map<string, string>();
  const keyPolicies = new Map<string, PolicyDocument>();
  const bucketPolicies = new Map<string, PolicyDocument>();
  const resourcePolicies = new Map<string, PolicyDocument>();
  const bucketKeys = new Map<string, { keyArn: string; bucketKeyEnabled: boolean }>();
  const resourceKeys = new Map<string, string>();
  for (const [id, resource] of entries) {
    const local = resources.get(id);
    const p = props(resource);
    switch (resource.Type) {
      case 'AWS::KMS::Key': {
        const arn = local?.attributes['Arn'] ?? '';
        keyIds.set(local?.attributes['KeyId'] ?? arn, arn);
        keyPolicies.set(
          arn,
          p['KeyPolicy'] ? resolve<PolicyDocument>(p['KeyPolicy']) : defaultKeyPolicy(accountId),
        );
        break;
      }
      case 'AWS::S3::BucketPolicy':
        bucketPolicies.set(resolve<string>(p['Bucket']), resolve<PolicyDocument>(p['PolicyDocument']));
        break;
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
        for (const target of (p['Queues'] ?? p['Topics'] ?? []) as unknown[]) {
          const ref = resolve<string>(target);
          const queue = [...resources.values()].find((r) => r.ref === ref);
          const arn = queue?.attributes['Arn'] ?? queue?.attributes['TopicArn'] ?? ref;
          resourcePolicies.set(arn, resolve<PolicyDocument>(p['PolicyDocument']));
        }
        break;
      case 'AWS::SecretsManager::ResourcePolicy':
        resourcePolicies.set(resolve<string>(p['SecretId']), resolve<PolicyDocument>(p['ResourcePolicy']));
        break;
      case 'AWS::S3::Bucket': {
        const rule = resolve<{
          ServerSideEncryptionConfiguration?: {
            ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
            BucketKeyEnabled?: boolean;
          }[];
        } | null>(p['BucketEncryption'] ?? null)?.ServerSideEncryptionConfiguration?.[0];
        const byDefault = rule?.ServerSideEncryptionByDefault;
        if (byDefault?.SSEAlgorithm === 'aws:kms' && byDefault.KMSMasterKeyID && local) {
          bucketKeys.set(local.ref, {
            keyArn: byDefault.KMSMasterKeyID,
            bucketKeyEnabled: rule?.BucketKeyEnabled === true,
          });
        }
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const sse = p['SSESpecification'] as { KMSMasterKeyId?: unknown } | undefined;
        if (sse?.KMSMasterKeyId && local)
          resourceKeys.set(local.attributes['Arn'] ?? '', resolve<string>(sse.KMSMasterKeyId));
        break;
      }
      case 'AWS::SecretsManager::Secret':
        if (p['KmsKeyId'] && local) resourceKeys.set(local.ref, resolve<string>(p['KmsKeyId']));
        break;
      case 'AWS::Events::EventBus':
        if (p['KmsKeyIdentifier'] && local)
          resourceKeys.set(local.attributes['Arn'] ?? '', resolve<string>(p['KmsKeyIdentifier']));
        break;
      case 'AWS::StepFunctions::StateMachine': {
        const encryption = p['EncryptionConfiguration'] as { KmsKeyId?: unknown } | undefined;
        if (encryption?.KmsKeyId && local) resourceKeys.set(local.ref, resolve<string>(encryption.KmsKeyId));
        break;
      }
      default:
        break;
    }
  }

  const keyArn = (idOrArn: string): string =>
    idOrArn.startsWith('arn:')
      ? idOrArn
      : (keyIds.get(idOrArn) ?? `arn:aws:kms:${region}:${accountId}:key/${idOrArn}`);
  return {
    region,
    accountId,
    roles,
    keyArn,
    bucketKey: (bucket) => bucketKeys.get(bucket) ?? null,
    resourceKey: (arn) => resourceKeys.get(arn) ?? null,
    resourcePolicy(resourceArn) {
      if (resourceArn.startsWith('arn:aws:s3:::')) {
        return bucketPolicies.get(resourceArn.slice('arn:aws:s3:::'.length).split('/')[0] ?? '');
      }
      if (resourceArn.startsWith('arn:aws:kms:'))
        return keyPolicies.get(resourceArn) ?? defaultKeyPolicy(accountId);
      return resourcePolicies.get(resourceArn);
    },
  };
}
