/**
 * Credentials: the secret holding the vendor credential JSON (created with a placeholder, or the
 * one passed in) and, when asked for, its automatic rotation through the vendor's self-service
 * rotation.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { createPipelineFunction } from '../function-factory.ts';
import { applyFunctionGrants, credentialsSecretTarget } from '../function-grants.ts';
import { rotationFunction } from '../pipeline-functions.ts';
import type { FunctionNetwork } from './network.ts';
import { DEFAULT_API_BASE, type SimulacraCredentialsRotationProps } from '../pipeline-props.ts';
import { acknowledgeNag } from '../secure-defaults.ts';
import { PipelinePart } from './pipeline-part.ts';

export const ROTATION_ENTRY = rotationFunction.entry;

export interface PipelineCredentialsProps {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** @default - a new secret holding a generated placeholder */
  readonly credentialsSecret?: secretsmanager.ISecret;
  /** Written into the placeholder secret. @default DEFAULT_API_BASE */
  readonly apiBase?: string;
}

export interface CredentialsRotationOptions {
  readonly rotation: SimulacraCredentialsRotationProps;
  readonly logRetention: logs.RetentionDays;
  readonly metricsNamespace: string;
  /** @default - outside any VPC */
  readonly network?: FunctionNetwork;
  /** Source-mapped stack traces. @default false */
  readonly enableSourceMaps?: boolean;
}

export class PipelineCredentials extends PipelinePart {
  readonly credentialsSecret: secretsmanager.ISecret;
  /** Set by `enableRotation`. */
  rotationFunction?: lambda.Function;
  private readonly props: PipelineCredentialsProps;

  constructor(scope: Construct, id: string, props: PipelineCredentialsProps) {
    super(scope, id);
    this.props = props;
    this.credentialsSecret = props.credentialsSecret ?? this.createCredentialsSecret();
    this.pinLogicalIds();
  }

  /** Whether the secret was created here (rotation is only wired for that one). */
  get ownsSecret(): boolean {
    return this.props.credentialsSecret === undefined;
  }

  /** Rotates the created secret on a schedule with `lambdas/rotate-credentials.ts`. */
  enableRotation(options: CredentialsRotationOptions): lambda.Function {
    const secret = this.credentialsSecret as secretsmanager.Secret;
    const { fn } = createPipelineFunction(this, rotationFunction.id, {
      entry: rotationFunction.entry,
      memoryMb: rotationFunction.memoryMb,
      timeout: Duration.seconds(rotationFunction.timeoutSeconds),
      environment: {},
      key: this.props.key,
      logRetention: options.logRetention,
      removalPolicy: this.props.removalPolicy,
      metricsNamespace: options.metricsNamespace,
      ...(options.network ? { network: options.network } : {}),
      ...(options.enableSourceMaps !== undefined ? { enableSourceMaps: options.enableSourceMaps } : {}),
    });
    // Exactly the statements of lib/pipeline-functions.ts, key use limited to this secret's
    // encryption context (docs/permissions.md): the schedule below names the function by ARN, so
    // Secrets Manager's automatic rotation grants are not made.
    applyFunctionGrants(fn.role as iam.IRole, rotationFunction.grants, {
      credentialsSecret: credentialsSecretTarget(this, secret),
    });
    // Only rotations of this secret may invoke the function.
    fn.addPermission('InvokedByRotation', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceArn: secret.secretArn,
    });
    const schedule = secret.addRotationSchedule('Rotation', {
      rotationLambda: lambda.Function.fromFunctionArn(this, 'RotationTarget', fn.functionArn),
      automaticallyAfter: options.rotation.schedule,
    });
    // Secrets Manager invokes the function when the schedule is created: permission first.
    schedule.node.addDependency(fn.permissionsNode.findChild('InvokedByRotation'));
    this.rotationFunction = fn;
    this.pinLogicalIds();
    return fn;
  }

  /** Records why the created secret has no automatic rotation. */
  acknowledgeManualRotation(): void {
    acknowledgeNag(this.credentialsSecret, {
      id: 'AwsSolutions-SMG4',
      reason:
        'Simulacra rotation is rate-limited (3 per 24 h) and may need operator approval, so automatic rotation is opt-in (credentialsRotation); the CLI rotates on demand.',
    });
  }

  private createCredentialsSecret(): secretsmanager.Secret {
    return new secretsmanager.Secret(this, 'CredentialsSecret', {
      description:
        'Simulacra vendor credential JSON. Holds a generated placeholder until `simulacra-pipeline claim --secret-id <arn>` stores the claimed credential.',
      encryptionKey: this.props.key,
      removalPolicy: this.props.removalPolicy,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          client_id: '',
          token_url: '',
          audience: '',
          api_base: this.props.apiBase ?? DEFAULT_API_BASE,
        }),
        generateStringKey: 'client_secret',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });
  }
}
