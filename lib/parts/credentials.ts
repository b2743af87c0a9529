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
import { createPipelineFunction } from '../function-factory.ts';
import type { FunctionNetwork } from './network.ts';
import { DEFAULT_API_BASE, type SimulacraCredentialsRotationProps } from '../pipeline-props.ts';
import { acknowledgeNag } from '../secure-defaults.ts';
import { PipelinePart } from './pipeline-part.ts';

export const ROTATION_ENTRY = 'lambdas/rotate-credentials.ts';

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
    // Secrets Manager passes the secret id in each rotation event, so the function needs no
    // environment; the rotation schedule grants it exactly the secret and key actions it uses.
    const { fn } = createPipelineFunction(this, 'RotateCredentials', {
      entry: ROTATION_ENTRY,
      memoryMb: 256,
      timeout: Duration.minutes(5),
      environment: {},
      key: this.props.key,
      logRetention: options.logRetention,
      removalPolicy: this.props.removalPolicy,
      metricsNamespace: options.metricsNamespace,
      ...(options.network ? { network: options.network } : {}),
    });
    (this.credentialsSecret as secretsmanager.Secret).addRotationSchedule('Rotation', {
      rotationLambda: fn,
      automaticallyAfter: options.rotation.schedule,
    });
    // Only rotations of this secret may invoke the function (the stock permission names just the
    // service principal).
    for (const child of fn.node.findAll()) {
      if (child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
        child.sourceArn = this.credentialsSecret.secretArn;
      }
    }
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
