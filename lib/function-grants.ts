/**
 * Turns the grants each function declares in lib/pipeline-functions.ts into statements of its
 * role: one statement per grant (its `sid`) on the target's ARNs, and for encrypted targets one
 * `<sid>Key` statement on the key, limited to the service that uses the key for the function and
 * to the target's encryption context. Nothing here reads a function's environment.
 */
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { TOKEN_ENCRYPTION_PURPOSE } from '../src/client/token-cache-context.ts';
import { DATA_PREFIX, MANIFEST_PREFIX, QUARANTINE_PREFIX } from '../src/landing/layout.ts';
import { QUALITY_PREFIX } from '../src/quality/metrics-table.ts';
import type { FunctionGrant, GrantTarget } from './function-grant-sets.ts';
import { acknowledgeWildcardResource } from './secure-defaults.ts';

/** Where one grant target lives: the ARNs its actions apply to and the key that encrypts it. */
export interface GrantTargetResources {
  readonly arns: readonly string[];
  /** The customer managed key the target is encrypted with, when there is one. */
  readonly key?: kms.IKey;
  /** Conditions for the key statement (service and encryption context). */
  readonly keyConditions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Conditions for the target's own statement (e.g. `iam:PassedToService` of a role). */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Why an ARN ending in `*` is needed (cdk-nag acknowledgement), for wildcard ARNs. */
  readonly wildcardReason?: string;
}

/** The resources behind each target; a target left out is not deployed (its grants are skipped). */
export type GrantTargetMap = Readonly<Partial<Record<GrantTarget, GrantTargetResources>>>;

/** The resources the pipeline functions are granted access to. */
export interface GrantTargets {
  /** The pipeline key (state table, token cache, event bus). */
  readonly key: kms.IKey;
  readonly credentialsSecret: secretsmanager.ISecret;
  readonly stateTable: dynamodb.ITable;
  readonly seedBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  /** The key landed objects are encrypted with. */
  readonly outputKey: kms.IKey;
  /** Enterprise mode: the key Simulacra wraps artifact data keys with. */
  readonly artifactDecryptionKey?: kms.IKey;
  /** The Glue catalog, the pipeline database and its tables. */
  readonly glueArns: readonly string[];
  readonly eventBus: events.IEventBus;
}

/** `kms:ViaService` of `service` in the stack's region. */
export function viaService(scope: IConstruct, service: string): string {
  const stack = Stack.of(scope);
  return `${service}.${stack.region}.${stack.urlSuffix}`;
}

/** Key use by S3 for objects under `prefixes` of a bucket (with or without S3 Bucket Keys). */
export function s3KeyConditions(
  scope: IConstruct,
  bucketArn: string,
  prefixes: readonly string[],
): GrantTargetResources['keyConditions'] {
  return {
    StringEquals: { 'kms:ViaService': viaService(scope, 's3') },
    StringLike: {
      'kms:EncryptionContext:aws:s3:arn': [bucketArn, ...prefixes.map((prefix) => `${bucketArn}/${prefix}*`)],
    },
  };
}

/** Key use by `service` bound to one resource through the encryption context key `contextKey`. */
export function serviceKeyConditions(
  scope: IConstruct,
  service: string,
  contextKey: string,
  value: string,
): GrantTargetResources['keyConditions'] {
  return {
    StringEquals: { 'kms:ViaService': viaService(scope, service) },
    StringLike: { [`kms:EncryptionContext:${contextKey}`]: value },
  };
}

/** Direct use of the token cache key, only for ciphertexts of the token cache. */
export const tokenCacheKeyConditions: GrantTargetResources['keyConditions'] = {
  StringEquals: { 'kms:EncryptionContext:purpose': TOKEN_ENCRYPTION_PURPOSE },
};

/** Adds the statements of `grants` whose target is in `targets` to `role`. */
export function applyFunctionGrants(
  role: iam.IRole,
  grants: readonly FunctionGrant[],
  targets: GrantTargetMap,
): void {
  for (const grant of grants) {
    const target = targets[grant.target];
    if (!target) continue;
    if (grant.target === 'tokenCacheKey' || grant.target === 'artifactKey') {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: grant.sid,
          actions: [...grant.actions],
          resources: [...target.arns],
          ...(target.keyConditions ? { conditions: target.keyConditions } : {}),
        }),
      );
      continue;
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: grant.sid,
        actions: [...grant.actions],
        resources: [...target.arns],
        ...(target.conditions ? { conditions: target.conditions } : {}),
      }),
    );
    for (const arn of target.arns) {
      if (target.wildcardReason && arn.endsWith('*'))
        acknowledgeWildcardResource(role, arn, target.wildcardReason);
    }
    if (target.key && grant.keyActions && grant.keyActions.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `${grant.sid}Key`,
          actions: [...grant.keyActions],
          resources: [target.key.keyArn],
          ...(target.keyConditions ? { conditions: target.keyConditions } : {}),
        }),
      );
    }
  }
}

/** The vendor credential secret, and its key as Secrets Manager uses it for this secret only. */
export function credentialsSecretTarget(
  scope: IConstruct,
  secret: secretsmanager.ISecret,
): GrantTargetResources {
  return {
    arns: [secret.secretArn],
    ...(secret.encryptionKey
      ? {
          key: secret.encryptionKey,
          keyConditions: serviceKeyConditions(scope, 'secretsmanager', 'SecretARN', `${secret.secretArn}*`),
        }
      : {}),
  };
}

const prefixReason =
  'Object keys under this prefix are data-driven (feed, scenario, date, id); access is limited to the one prefix of the one bucket.';

/**
 * Each grant target of lib/pipeline-functions.ts on the pipeline's resources (all but the ingest
 * state machine and the schedules, which the workflows add once they exist).
 */
export function grantTargetMap(scope: IConstruct, targets: GrantTargets): GrantTargetMap {
  const seedPrefixes = ['seeds/'];
  const outputPrefixes = [`${DATA_PREFIX}/`, `${MANIFEST_PREFIX}/`];
  // Write-audit-publish: generations wait in quarantine, their quality reports under `_quality/`.
  const quarantinePrefixes = [`${QUARANTINE_PREFIX}/`, `${QUALITY_PREFIX}/`];
  const { credentialsSecret: secret, stateTable: table, seedBucket, outputBucket, eventBus } = targets;
  const seedKey = seedBucket.encryptionKey;
  return {
    credentialsSecret: credentialsSecretTarget(scope, secret),
    stateTable: {
      arns: [table.tableArn],
      ...(table.encryptionKey
        ? {
            key: table.encryptionKey,
            keyConditions: serviceKeyConditions(scope, 'dynamodb', 'aws:dynamodb:tableName', table.tableName),
          }
        : {}),
    },
    tokenCacheKey: { arns: [targets.key.keyArn], keyConditions: tokenCacheKeyConditions },
    seedObjects: {
      arns: seedPrefixes.map((prefix) => seedBucket.arnForObjects(`${prefix}*`)),
      wildcardReason: prefixReason,
      ...(seedKey
        ? { key: seedKey, keyConditions: s3KeyConditions(scope, seedBucket.bucketArn, seedPrefixes) }
        : {}),
    },
    seedBucket: { arns: [seedBucket.bucketArn] },
    outputObjects: {
      arns: outputPrefixes.map((prefix) => outputBucket.arnForObjects(`${prefix}*`)),
      wildcardReason: prefixReason,
      key: targets.outputKey,
      keyConditions: s3KeyConditions(scope, outputBucket.bucketArn, outputPrefixes),
    },
    quarantineObjects: {
      arns: quarantinePrefixes.map((prefix) => outputBucket.arnForObjects(`${prefix}*`)),
      wildcardReason: prefixReason,
      key: targets.outputKey,
      keyConditions: s3KeyConditions(scope, outputBucket.bucketArn, quarantinePrefixes),
    },
    outputBucket: { arns: [outputBucket.bucketArn] },
    ...(targets.artifactDecryptionKey
      ? { artifactKey: { arns: [targets.artifactDecryptionKey.keyArn] } }
      : {}),
    glueCatalog: {
      arns: targets.glueArns,
      wildcardReason:
        'One Glue table per feed is created at run time; access is limited to tables of the pipeline database.',
    },
    eventBus: {
      arns: [eventBus.eventBusArn],
      key: targets.key,
      keyConditions: serviceKeyConditions(scope, 'events', 'aws:events:event-bus:arn', eventBus.eventBusArn),
    },
  };
}
